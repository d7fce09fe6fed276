import { html, layout, type SafeHtml } from './html.ts';

const TITLES: Record<number, { title: string; hint: string }> = {
  400: { title: 'Bad request', hint: 'The address of this page is not valid.' },
  401: {
    title: 'A valid token is needed',
    hint: 'Open this page with a valid token, e.g. ?token=<token>. The token may have expired: ask for a new link.',
  },
  403: { title: 'Not allowed', hint: 'The token of this link does not give access to this album.' },
  404: { title: 'Album not found', hint: 'There is no such album, or it was renamed or removed.' },
};

/** An error as a page: status, a title, a hint, and the error's own message. */
export function errorPage(status: number, message: string): SafeHtml {
  const known = TITLES[status];
  const title = known?.title ?? (status >= 500 ? 'Something went wrong' : 'Request failed');
  const hint = known?.hint ?? (status >= 500 ? 'Please try again in a moment.' : '');
  return layout({
    title: `${status} ${title}`,
    bodyClass: 'error-page',
    body: html`<main class="error-card" aria-labelledby="error-title">
  <p class="error-status">${status}</p>
  <h1 id="error-title">${title}</h1>
  ${hint ? html`<p>${hint}</p>` : ''}
  ${status < 500 && message ? html`<p class="error-detail">${message}</p>` : ''}
</main>`,
  });
}
