import { ALBUM_PAGE_SIZE, type AlbumPage } from '../../../../services/album-page.service.ts';
import type { ImageJson } from '../../../../services/image-presenter.ts';
import { html, layout, type SafeHtml } from './html.ts';

/** What an image is called on the page: its title, else its file name, else its position. */
function captionOf(image: ImageJson, position: number): string {
  return image.title?.trim() || image.filename?.trim() || `Photo ${position}`;
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/**
 * The album page's markup: a grid of thumbnail links, each pointing at the full image (so it
 * works without script); album-page.js turns them into a keyboard-navigable lightbox.
 * `pageHref(n)` links to another page of the album.
 */
export function albumPageView(view: AlbumPage, pageHref: (page: number) => string): SafeHtml {
  const offset = (view.page - 1) * ALBUM_PAGE_SIZE;
  const images = view.images ?? [];
  const thumbs = images.map((image, i) => {
    const caption = captionOf(image, offset + i + 1);
    return html`<li>
  <a class="thumb" href="${image.thumbnails.full}" data-full="${image.thumbnails.full}" data-caption="${caption}"${
    image.color ? html` data-color="${image.color}"` : ''
  } aria-label="${`Open ${caption} (${offset + i + 1} of ${view.imagesCount})`}">
    <img src="${image.thumbnails.large}" srcset="${image.thumbnails.mini} 100w, ${image.thumbnails.large} 200w" sizes="(max-width: 420px) 31vw, 180px" width="200" height="200" alt="${caption}" loading="lazy" decoding="async">
  </a>
</li>`;
  });
  const pager =
    view.pageCount > 1
      ? html`<nav class="pager" aria-label="Pages">
  ${view.page > 1 ? html`<a href="${pageHref(view.page - 1)}" rel="prev">Previous</a>` : ''}
  <span>Page ${view.page} of ${view.pageCount}</span>
  ${view.page < view.pageCount ? html`<a href="${pageHref(view.page + 1)}" rel="next">Next</a>` : ''}
</nav>`
      : '';
  let content: SafeHtml;
  if (view.images === null) content = html`<p class="notice">This link may show the album but not list its photos.</p>`;
  else if (images.length === 0) content = html`<p class="notice">No photos here yet.</p>`;
  else content = html`<ul class="grid" id="grid" aria-label="Photos">
${thumbs}
</ul>
${pager}`;

  return layout({
    title: `Album ${view.albumId}`,
    bodyClass: 'album-page',
    script: 'album-page.js',
    body: html`<main>
<header class="album-header">
  <h1>${view.albumId}</h1>
  <p class="album-meta">${plural(view.imagesCount, 'photo', 'photos')} · <span id="views-count">${plural(view.viewsCount, 'view', 'views')}</span></p>
</header>
${content}
</main>
<dialog class="lightbox" id="lightbox" aria-label="Photo viewer">
  <figure class="lightbox-figure">
    <img id="lightbox-image" alt="">
    <figcaption id="lightbox-caption"></figcaption>
  </figure>
  <p class="lightbox-counter" id="lightbox-counter" aria-live="polite"></p>
  <button type="button" class="lightbox-button lightbox-prev" id="lightbox-prev" aria-label="Previous photo">&#8249;</button>
  <button type="button" class="lightbox-button lightbox-next" id="lightbox-next" aria-label="Next photo">&#8250;</button>
  <button type="button" class="lightbox-button lightbox-close" id="lightbox-close" aria-label="Close">&#215;</button>
</dialog>`,
  });
}
