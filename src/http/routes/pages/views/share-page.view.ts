import { SHARE_PAGE_SIZE, type SharePage } from '../../../../services/share-links.service.ts';
import { html, layout, type SafeHtml } from './html.ts';

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/**
 * A share link's page: the shared photos as the album page shows them (a grid of thumbnails
 * linking to the full image, which album-page.js turns into a lightbox), with download links
 * when the link allows them. Every image URL is the link's own, signed and expiring.
 */
export function sharePageView(view: SharePage, pageHref: (page: number) => string): SafeHtml {
  const offset = (view.page - 1) * SHARE_PAGE_SIZE;
  const thumbs = view.images.map(
    (image, i) => html`<li>
  <a class="thumb" href="${image.full}" data-full="${image.full}" data-caption="${image.caption}"${
    image.color ? html` data-color="${image.color}"` : ''
  } data-image-id="${image.id}" aria-label="${`Open ${image.caption} (${offset + i + 1} of ${view.imagesCount})`}">
    <img src="${image.large}" srcset="${image.mini} 100w, ${image.large} 200w" sizes="(max-width: 420px) 31vw, 180px" width="200" height="200" alt="${image.caption}" loading="lazy" decoding="async">
  </a>${image.download ? html`
  <a class="download" href="${image.download}" download>Download</a>` : ''}
</li>`,
  );
  const pager =
    view.pageCount > 1
      ? html`<nav class="pager" aria-label="Pages">
  ${view.page > 1 ? html`<a href="${pageHref(view.page - 1)}" rel="prev">Previous</a>` : ''}
  <span>Page ${view.page} of ${view.pageCount}</span>
  ${view.page < view.pageCount ? html`<a href="${pageHref(view.page + 1)}" rel="next">Next</a>` : ''}
</nav>`
      : '';
  const content = view.images.length
    ? html`<ul class="grid" id="grid" aria-label="Photos">
${thumbs}
</ul>
${pager}`
    : html`<p class="notice">No photos here.</p>`;
  return layout({
    title: `Shared: ${view.albumId}`,
    bodyClass: 'album-page share-page',
    script: 'album-page.js',
    body: html`<main>
<header class="album-header">
  <h1>${view.albumId}</h1>
  <p class="album-meta">${plural(view.imagesCount, 'photo', 'photos')} · <span id="views-count">${plural(view.viewsCount, 'view', 'views')}</span>${
    view.downloadAll ? html` · <a id="download-all" href="${view.downloadAll}" download>Download all (ZIP)</a>` : ''
  }</p>
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

/** The password form of a protected link; `wrong` after a failed attempt. */
export function sharePasswordView(action: string, wrong: boolean): SafeHtml {
  return layout({
    title: 'Password needed',
    bodyClass: 'error-page',
    body: html`<main class="error-card" aria-labelledby="password-title">
  <h1 id="password-title">This link needs a password</h1>
  ${wrong ? html`<p class="error-detail" role="alert">That password is not right.</p>` : ''}
  <form method="post" action="${action}">
    <label for="share-password">Password</label>
    <input id="share-password" name="password" type="password" autocomplete="current-password" required autofocus>
    <button type="submit">Open</button>
  </form>
</main>`,
  });
}
