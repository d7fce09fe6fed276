import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initialFaces, moveRects, orientationOp, planGeometry, type Rect, rotatedSize, type Size } from './geometry.ts';
import { parseTransformation, TransformationError } from './transformations.ts';

const PHOTO: Size = { width: 600, height: 400 };

/** The geometry of a one-component transformation on an image of `size` holding `faces`. */
function plan(transformation: string, size: Size = PHOTO, faces: Rect[] | null = null) {
  const parsed = parseTransformation(transformation);
  const [step] = parsed.steps;
  assert.ok(step, `${transformation} has a step`);
  return planGeometry(step, size, faces, parsed);
}

const resize = (width: number, height: number, attention = false) => ({ kind: 'resize', width, height, attention });
const extract = (left: number, top: number, width: number, height: number) => ({ kind: 'extract', region: { left, top, width, height } });

describe('planGeometry: scale, fit and limit', () => {
  test('one side given: the other follows the aspect ratio', () => {
    assert.deepEqual(plan('w_300'), { ops: [resize(300, 200)], size: { width: 300, height: 200 }, faces: null });
    assert.deepEqual(plan('c_scale,h_0.5').ops, [resize(300, 200)]);
  });

  test('both sides given, c_scale stretches', () => {
    assert.deepEqual(plan('c_scale,h_100,w_100').ops, [resize(100, 100)]);
  });

  test('c_fit stays inside the box; the same size is no operation', () => {
    assert.deepEqual(plan('c_fit,h_300,w_300').ops, [resize(300, 200)]);
    assert.deepEqual(plan('c_fit,h_400,w_600'), { ops: [], size: PHOTO, faces: null });
  });

  test('c_limit shrinks, never enlarges', () => {
    assert.deepEqual(plan('c_limit,w_300').ops, [resize(300, 200)]);
    assert.deepEqual(plan('c_limit,h_1000,w_1000'), { ops: [], size: PHOTO, faces: null });
  });

  test('dpr multiplies, an aspect ratio alone keeps the width', () => {
    assert.deepEqual(plan('c_fit,dpr_2,h_100,w_100').ops, [resize(200, 133)]);
    assert.deepEqual(plan('ar_1:1,c_scale,w_100').ops, [resize(100, 100)]);
    assert.deepEqual(plan('ar_2:1').ops, [resize(600, 300)]);
  });

  test('a step with no size changes nothing', () => {
    const faces = [{ left: 1, top: 2, width: 3, height: 4 }];
    assert.deepEqual(plan('a_90', PHOTO, faces), { ops: [], size: PHOTO, faces });
  });

  test('a size past the plan limits is refused', () => {
    const wide = { width: 600, height: 100 };
    assert.throws(() => plan('h_8000', wide), /exceeds the limit of 8000x8000 px/);
    // Covering 10×8000 means scaling 600×400 to 12000×8000 before the cut.
    assert.throws(() => plan('c_fill,h_8000,w_10'), TransformationError);
    assert.doesNotThrow(() => plan('c_fill,h_1,w_8000'));
  });
});

describe('planGeometry: fill', () => {
  test('scales to cover, then cuts at the centre', () => {
    assert.deepEqual(plan('c_fill,h_100,w_100'), {
      ops: [resize(150, 100), extract(25, 0, 100, 100)],
      size: { width: 100, height: 100 },
      faces: null,
    });
  });

  test('compass gravity picks the side kept', () => {
    assert.deepEqual(plan('c_fill,g_north_west,h_100,w_100').ops, [resize(150, 100), extract(0, 0, 100, 100)]);
    assert.deepEqual(plan('c_fill,g_east,h_100,w_100').ops, [resize(150, 100), extract(50, 0, 100, 100)]);
    assert.deepEqual(plan('c_fill,g_south,h_100,w_300').ops, [resize(300, 200), extract(0, 100, 300, 100)]);
  });

  test('the same aspect ratio needs no cut', () => {
    assert.deepEqual(plan('c_fill,h_200,w_300').ops, [resize(300, 200)]);
  });

  test('g_auto, and face gravity without faces, leave the cut to libvips (faces dropped)', () => {
    for (const t of ['c_fill,g_auto,h_100,w_100', 'c_auto,h_100,w_100', 'c_thumb,h_100,w_100', 'c_fill,g_faces,h_100,w_100']) {
      assert.deepEqual(plan(t, PHOTO, []), { ops: [resize(100, 100, true)], size: { width: 100, height: 100 }, faces: null }, t);
    }
  });

  test('face gravity centres on the largest face (g_face) or on all of them (g_faces), faces following', () => {
    const small = { left: 0, top: 0, width: 60, height: 60 };
    const large = { left: 480, top: 120, width: 120, height: 120 };
    const face = plan('c_fill,g_face,h_200,w_200', PHOTO, [small, large]);
    // 600×400 → 300×200; the large face becomes 240,60 60×60, centred at 270: the cut stops at the right edge.
    assert.deepEqual(face.ops, [resize(300, 200), extract(100, 0, 200, 200)]);
    assert.deepEqual(face.faces, [{ left: 140, top: 60, width: 60, height: 60 }]);
    const faces = plan('c_fill,g_faces,h_200,w_200', PHOTO, [small, { left: 180, top: 0, width: 60, height: 60 }]);
    // Both faces span 0..240 → 0..120 at half size: centred at 60, clamped to the left edge.
    assert.deepEqual(faces.ops, [resize(300, 200), extract(0, 0, 200, 200)]);
    assert.deepEqual(faces.faces, [
      { left: 0, top: 0, width: 30, height: 30 },
      { left: 90, top: 0, width: 30, height: 30 },
    ]);
  });
});

describe('planGeometry: pad', () => {
  test('fits, then extends with white around it, by gravity', () => {
    assert.deepEqual(plan('c_pad,h_300,w_300').ops, [
      resize(300, 200),
      { kind: 'extend', top: 50, bottom: 50, left: 0, right: 0, background: { r: 255, g: 255, b: 255, alpha: 1 } },
    ]);
    const north = plan('b_rgb:ff0000,c_pad,g_north,h_300,w_300');
    assert.deepEqual(north.ops[1], { kind: 'extend', top: 0, bottom: 100, left: 0, right: 0, background: { r: 255, g: 0, b: 0, alpha: 1 } });
    assert.deepEqual(north.size, { width: 300, height: 300 });
  });

  test('lpad never enlarges, mpad never shrinks (and never cuts)', () => {
    const lpad = plan('c_lpad,h_1000,w_1000');
    assert.deepEqual(lpad.ops, [{ kind: 'extend', top: 300, bottom: 300, left: 200, right: 200, background: { r: 255, g: 255, b: 255, alpha: 1 } }]);
    const mpad = plan('c_mpad,h_100,w_100');
    assert.deepEqual(mpad.size, PHOTO);
    assert.deepEqual(mpad.ops, [{ kind: 'extend', top: 0, bottom: 0, left: 0, right: 0, background: { r: 255, g: 255, b: 255, alpha: 1 } }]);
  });

  test('faces move with the padding; face gravity pads at the centre', () => {
    const padded = plan('c_pad,g_face,h_600,w_600', PHOTO, [{ left: 100, top: 100, width: 50, height: 50 }]);
    assert.deepEqual(padded.faces, [{ left: 100, top: 200, width: 50, height: 50 }]);
  });
});

describe('planGeometry: crop', () => {
  test('at x, y, clamped inside the image', () => {
    assert.deepEqual(plan('c_crop,h_80,w_80,x_500,y_150').ops, [extract(500, 150, 80, 80)]);
    assert.deepEqual(plan('c_crop,h_80,w_80,x_590,y_0').ops, [extract(520, 0, 80, 80)]);
    assert.deepEqual(plan('c_crop,h_0.5,w_0.5,x_0.1,y_0.2').ops, [extract(60, 80, 300, 200)]);
  });

  test('by gravity, g_auto following known faces', () => {
    assert.deepEqual(plan('c_crop,g_north_west,h_50,w_50').ops, [extract(0, 0, 50, 50)]);
    assert.deepEqual(plan('c_crop,h_50,w_50').ops, [extract(275, 175, 50, 50)]);
    const face = { left: 500, top: 150, width: 80, height: 80 };
    const auto = plan('c_crop,g_auto,h_100,w_100', PHOTO, [face]);
    assert.deepEqual(auto.ops, [extract(490, 140, 100, 100)]);
    assert.deepEqual(auto.faces, [{ left: 10, top: 10, width: 80, height: 80 }]);
  });

  test('faces cut by the region are clipped, those outside it dropped', () => {
    const cut = plan('c_crop,g_north_west,h_100,w_100', PHOTO, [
      { left: 50, top: 50, width: 100, height: 100 },
      { left: 300, top: 300, width: 10, height: 10 },
    ]);
    assert.deepEqual(cut.faces, [{ left: 50, top: 50, width: 50, height: 50 }]);
  });

  test('a crop larger than the image keeps it whole', () => {
    assert.deepEqual(plan('c_crop,h_1000,w_1000'), { ops: [], size: PHOTO, faces: null });
  });
});

describe('orientation', () => {
  test('orientationOp: mirrors, turns normalised to 0..359, none for 0', () => {
    const step = (t: string) => parseTransformation(t).steps[0] ?? { dpr: 1 };
    assert.deepEqual(orientationOp(step('a_hflip')), { kind: 'mirror', axis: 'horizontal' });
    assert.deepEqual(orientationOp(step('a_vflip')), { kind: 'mirror', axis: 'vertical' });
    assert.deepEqual(orientationOp(step('a_-90')), { kind: 'rotate', angle: 270 });
    assert.equal(orientationOp(step('a_360')), null);
    assert.equal(orientationOp(step('w_10')), null);
  });

  test('rotatedSize: right angles swap or keep, others take the bounding box', () => {
    assert.deepEqual(rotatedSize(PHOTO, 180), PHOTO);
    assert.deepEqual(rotatedSize(PHOTO, 90), { width: 400, height: 600 });
    assert.deepEqual(rotatedSize(PHOTO, 45), { width: 707, height: 707 });
    assert.deepEqual(rotatedSize({ width: 100, height: 0 }, 30), { width: 87, height: 50 });
  });
});

describe('faces', () => {
  test('initialFaces: malformed boxes left out, none when the orientation was left unapplied', () => {
    // As stored (JSON): anything may be in it.
    const stored = JSON.parse('[[1, 2, 3, 4], [1, 2, 0, 4], [1, 2, 3], [1, null, 3, 4], ["1", 2, 3, 4], [1, 2, 3, -4]]') as number[][];
    assert.deepEqual(initialFaces(stored, false), [{ left: 1, top: 2, width: 3, height: 4 }]);
    assert.equal(initialFaces(stored, true), null);
    assert.equal(initialFaces(undefined, false), null);
  });

  test('moveRects shifts every box', () => {
    assert.deepEqual(moveRects([{ left: 1, top: 2, width: 3, height: 4 }], 10, 20), [{ left: 11, top: 22, width: 3, height: 4 }]);
  });
});
