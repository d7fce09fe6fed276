import { ALBUM_PAGE_SIZE, type AlbumPage, type AlbumPhoto } from '../../../../services/album-page.service.ts';
import type { ImageJson } from '../../../../services/image-presenter.ts';
import { html, layout, type SafeHtml } from './html.ts';

/** What an image is called on the page: its title, else its file name, else its position. */
function captionOf(image: ImageJson, position: number): string {
  return image.title?.trim() || image.filename?.trim() || `Photo ${position}`;
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** `2021-07-14` → `Wednesday, July 14, 2021` (a calendar day: no time zone applies). */
function dayLabel(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en', { dateStyle: 'full', timeZone: 'UTC' });
}

/**
 * A capture time as the camera recorded it (`2021-07-14T12:30:45`, maybe with its offset):
 * its own wall-clock time, never moved into another zone, with the offset when known.
 */
function takenLabel(takenAt: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(.*)$/.exec(takenAt);
  if (!m) return null;
  const wallClock = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  const text = wallClock.toLocaleString('en', { dateStyle: 'long', timeStyle: 'medium', timeZone: 'UTC' });
  return m[7] ? `${text} (UTC${m[7]})` : text;
}

function uploadedLabel(createdAt: string): string {
  return new Date(createdAt).toLocaleString('en', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';
}

/** A text field of the EXIF report, trimmed; undefined when absent or empty. */
function exifText(exifs: Record<string, unknown>, key: string): string | undefined {
  const value = exifs[key];
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** Make and model, without the make twice (`Canon` + `Canon EOS R5`). */
function joinMake(make: string | undefined, model: string | undefined): string | undefined {
  if (make && model) return model.toLowerCase().startsWith(make.toLowerCase()) ? model : `${make} ${model}`;
  return model ?? make;
}

function sizeLabel(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

/** `[48.8584, 2.2945]` → `48.85840° N, 2.29450° E` (five decimals: about a metre). */
function coordinatesLabel([lat, lng]: [number, number]): string {
  return `${Math.abs(lat).toFixed(5)}° ${lat < 0 ? 'S' : 'N'}, ${Math.abs(lng).toFixed(5)}° ${lng < 0 ? 'W' : 'E'}`;
}

/** One row of the details list, or nothing when there is no value. */
function detail(term: string, value: SafeHtml | string | undefined | null): SafeHtml | '' {
  return value ? html`<div><dt>${term}</dt><dd>${value}</dd></div>` : '';
}

/**
 * What the lightbox shows beside a photo, server-rendered (and so escaped here) into a
 * `<template>` that album-page.js clones: description, tags, camera and lens, dimensions,
 * capture time, position, and the download of the original when the token allows it.
 */
function detailsOf(photo: AlbumPhoto): SafeHtml {
  const { image } = photo;
  const taken = image.taken_at ? takenLabel(image.taken_at) : null;
  const tags = image.tags.map((tag) => html`<li>${tag.labels.en ?? tag.name}</li>`);
  const [lat, lng] = image.gps ?? [];
  return html`<template class="photo-details">
${image.description?.trim() ? html`<p class="details-description">${image.description.trim()}</p>` : ''}
<dl class="details-list">
${detail('Tags', tags.length ? html`<ul class="tag-list">${tags}</ul>` : null)}
${detail('Camera', joinMake(exifText(image.exifs, 'Make'), exifText(image.exifs, 'Model')))}
${detail('Lens', joinMake(exifText(image.exifs, 'LensMake'), exifText(image.exifs, 'LensModel') ?? exifText(image.exifs, 'Lens')))}
${detail('Dimensions', `${image.width} × ${image.height} px · ${sizeLabel(image.size)}`)}
${detail('Taken', taken && html`<time datetime="${image.taken_at}">${taken}</time>`)}
${detail('Uploaded', taken ? null : html`<time datetime="${image.created_at}">${uploadedLabel(image.created_at)}</time>`)}
${detail('Location', image.gps && html`<a href="${`https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=16/${lat}/${lng}`}" target="_blank" rel="noopener noreferrer">${coordinatesLabel(image.gps)}</a>`)}
${detail('File', image.filename)}
</dl>
${photo.download ? html`<a class="button details-download" href="${photo.download}" download>Download original</a>` : ''}
</template>`;
}

/**
 * One photo of the grid: a link to the full image (so it works without script), a `srcset`
 * of grid derivatives per screen density, its details for the lightbox. The image's width and
 * height give the grid its aspect ratio before any pixel arrives.
 */
function photoItem(photo: AlbumPhoto, position: number, total: number): SafeHtml {
  const { image, srcset } = photo;
  const caption = captionOf(image, position);
  const [width, height] = image.width > 0 && image.height > 0 ? [image.width, image.height] : [1, 1];
  return html`<li>
  <a class="thumb" href="${image.thumbnails.full}" data-full="${image.thumbnails.full}" data-caption="${caption}" data-image-id="${image.id}"${
    image.color ? html` data-color="${image.color}"` : ''
  } aria-label="${`Open ${caption} (${position} of ${total})`}">
    <img src="${srcset[0]!.url}" srcset="${srcset.map(({ url, density }) => `${url} ${density}x`).join(', ')}" width="${width}" height="${height}" alt="${caption}" loading="lazy" decoding="async">
  </a>
  ${detailsOf(photo)}
</li>`;
}

/** Runs of consecutive photos taken the same day, in the page's order (grouping never reorders). */
function byDay(photos: AlbumPhoto[]): Array<{ day: string; photos: Array<{ photo: AlbumPhoto; index: number }> }> {
  const days: Array<{ day: string; photos: Array<{ photo: AlbumPhoto; index: number }> }> = [];
  photos.forEach((photo, index) => {
    const last = days.at(-1);
    if (last?.day === photo.day) last.photos.push({ photo, index });
    else days.push({ day: photo.day, photos: [{ photo, index }] });
  });
  return days;
}

/**
 * The album page's markup: the photos by day taken, each day a list that album-page.js lays
 * out in justified rows (and loads the next pages into as the reader scrolls: the pager's
 * links are the way on without script). A day split by the page's order (a Sort by upload
 * time) shows twice; the script merges a day continued on the next page.
 * `pageHref(n)` links to another page of the album.
 */
export function albumPageView(view: AlbumPage, pageHref: (page: number) => string): SafeHtml {
  const offset = (view.page - 1) * ALBUM_PAGE_SIZE;
  const photos = view.photos ?? [];
  const days = byDay(photos).map(
    ({ day, photos: items }) => html`<section class="day" data-day="${day}">
<h2 class="day-title"><time datetime="${day}">${dayLabel(day)}</time></h2>
<ul class="photos">
${items.map(({ photo, index }) => photoItem(photo, offset + index + 1, view.imagesCount))}
</ul>
</section>`,
  );
  const pager =
    view.pageCount > 1
      ? html`<nav class="pager" aria-label="Pages">
  ${view.page > 1 ? html`<a href="${pageHref(view.page - 1)}" rel="prev">Previous</a>` : ''}
  <span class="pager-status" aria-live="polite">Page ${view.page} of ${view.pageCount}</span>
  ${view.page < view.pageCount ? html`<a href="${pageHref(view.page + 1)}" rel="next">Next</a>` : ''}
</nav>`
      : '';
  let content: SafeHtml;
  if (view.photos === null) content = html`<p class="notice">This link may show the album but not list its photos.</p>`;
  else if (photos.length === 0) content = html`<p class="notice">No photos here yet.</p>`;
  else content = html`<div class="days" id="grid" data-offset="${offset}" data-total="${view.imagesCount}">
${days}
</div>
${pager}`;

  return layout({
    title: `Album ${view.albumId}`,
    bodyClass: 'album-page',
    script: 'album-page.js',
    body: html`<main class="album-main">
<header class="album-header">
  <h1>${view.albumId}</h1>
  <p class="album-meta">${plural(view.imagesCount, 'photo', 'photos')} · <span id="views-count">${plural(view.viewsCount, 'view', 'views')}</span></p>
</header>
${content}
</main>
<dialog class="lightbox" id="lightbox" aria-label="Photo viewer">
  <div class="lightbox-stage" id="lightbox-stage">
    <figure class="lightbox-figure">
      <img id="lightbox-image" alt="" draggable="false">
      <figcaption id="lightbox-caption"></figcaption>
    </figure>
    <button type="button" class="lightbox-button lightbox-prev" id="lightbox-prev" aria-label="Previous photo">&#8249;</button>
    <button type="button" class="lightbox-button lightbox-next" id="lightbox-next" aria-label="Next photo">&#8250;</button>
  </div>
  <aside class="lightbox-details" id="lightbox-details" aria-label="Photo details" tabindex="0"></aside>
  <p class="lightbox-counter" id="lightbox-counter" aria-live="polite"></p>
  <button type="button" class="lightbox-button lightbox-close" id="lightbox-close" aria-label="Close">&#215;</button>
</dialog>`,
  });
}
