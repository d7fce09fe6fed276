import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gpsOf, takenAtOf } from './photo-metadata.ts';

test('GPS from Cloudinary-style DMS strings, decimals, and refs', () => {
  assert.deepEqual(gpsOf({ GPSLatitude: `48 deg 51' 30.24" N`, GPSLongitude: `2 deg 17' 40.2" E` }), [48.8584, 2.2945]);
  assert.deepEqual(gpsOf({ GPSLatitude: `33 deg 52' 4.2" S`, GPSLongitude: `151 deg 12' 36" E` }), [-33.867833, 151.21]);
  assert.deepEqual(gpsOf({ GPSLatitude: '40.7', GPSLatitudeRef: 'N', GPSLongitude: '74.0', GPSLongitudeRef: 'W' }), [40.7, -74]);
  assert.equal(gpsOf({ GPSLatitude: 'nonsense' }), null);
  assert.equal(gpsOf({}), null);
});

test('capture time from DateTimeOriginal, with its offset, else CreateDate', () => {
  assert.equal(takenAtOf({ DateTimeOriginal: '2021:07:14 12:30:45' }), '2021-07-14T12:30:45');
  assert.equal(takenAtOf({ DateTimeOriginal: '2021:07:14 12:30:45', OffsetTimeOriginal: '+02:00' }), '2021-07-14T12:30:45+02:00');
  assert.equal(takenAtOf({ CreateDate: '2020:01:02 03:04:05' }), '2020-01-02T03:04:05');
  assert.equal(takenAtOf({ DateTimeOriginal: '0000:00:00 00:00:00' }), null);
});
