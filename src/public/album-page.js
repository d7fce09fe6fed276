// The album page's behaviour over server-rendered links (which work alone: each opens the full
// image, and the pager's links lead on): justified rows, the next pages loaded as the reader
// scrolls, a lightbox dialog with the photo's details, arrow keys between thumbnails and
// between photos, swipes, Escape to close, Enter or Space to open the focused thumbnail.
// The share page uses it too, with square tiles and no details: each part works without the others.
'use strict';

(() => {
  const grid = document.getElementById('grid');
  const dialog = document.getElementById('lightbox');
  if (!grid || !dialog || typeof dialog.showModal !== 'function') return;

  const image = document.getElementById('lightbox-image');
  const caption = document.getElementById('lightbox-caption');
  const details = document.getElementById('lightbox-details');
  const counter = document.getElementById('lightbox-counter');
  const stage = document.getElementById('lightbox-stage') || dialog;
  const prev = document.getElementById('lightbox-prev');
  const next = document.getElementById('lightbox-next');
  const close = document.getElementById('lightbox-close');
  const pager = document.querySelector('nav.pager');
  const pagerStatus = pager && pager.querySelector('.pager-status');
  /** Position in the album of the first photo on this page (a page reached by the pager may start later). */
  const offset = Number(grid.dataset.offset) || 0;
  let thumbs = Array.from(grid.querySelectorAll('a.thumb'));
  let current = -1;

  /** The album page's days (the share page has one list of square tiles, and no more pages). */
  const byDay = grid.classList.contains('days');

  /**
   * Styles from script (the CSP forbids style attributes in the markup, not these): the
   * placeholder colour, and each photo's aspect ratio, from which the stylesheet's flex rules
   * size the rows so that they fill the width and keep every photo's shape.
   */
  function prepare(thumb) {
    if (thumb.dataset.color) thumb.style.backgroundColor = thumb.dataset.color;
    const img = thumb.querySelector('img');
    const ratio = Number(img && img.getAttribute('width')) / Number(img && img.getAttribute('height'));
    if (byDay && ratio > 0 && Number.isFinite(ratio)) thumb.parentElement.style.setProperty('--ratio', ratio.toFixed(4));
  }
  thumbs.forEach(prepare);
  if (byDay) grid.classList.add('justified');

  const total = () => Number(grid.dataset.total) || offset + thumbs.length;
  const nextLink = () => (pager ? pager.querySelector('a[rel="next"]') : null);
  /** Every photo of the album is on the page: the lightbox may wrap around. */
  const complete = () => offset === 0 && !nextLink();

  // Loading further pages: the next page's HTML (the pager's own link, so the token and the
  // album's order are the page's), whose days are appended here, a day continued merged.
  let loading = null;

  function showProgress() {
    if (pagerStatus) pagerStatus.textContent = `Photos ${offset + 1}–${offset + thumbs.length} of ${total().toLocaleString('en')}`;
  }

  async function fetchNext(link) {
    const response = await fetch(link.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const page = new DOMParser().parseFromString(await response.text(), 'text/html');
    // Styled before they join the page, so that each page costs the browser one layout.
    page.querySelectorAll('a.thumb').forEach(prepare);
    for (const section of page.querySelectorAll('#grid > section.day')) {
      const last = grid.lastElementChild;
      if (last && last.dataset.day === section.dataset.day) {
        last.querySelector('ul.photos').append(...section.querySelector('ul.photos').children);
      } else {
        grid.append(document.adoptNode(section));
      }
    }
    thumbs = Array.from(grid.querySelectorAll('a.thumb'));
    // Relative, so resolved against this page, never the parsed document.
    const following = page.querySelector('nav.pager a[rel="next"]');
    if (following) link.setAttribute('href', following.getAttribute('href'));
    else link.remove();
    showProgress();
  }

  /** Loads the next page once (concurrent callers share the load); false when there is none or it failed. */
  function loadMore() {
    const link = nextLink();
    if (!link) return Promise.resolve(false);
    if (!loading) {
      loading = fetchNext(link)
        .then(() => true)
        .catch(() => {
          if (pagerStatus) pagerStatus.textContent = 'Could not load more photos: use Next.';
          return false;
        })
        .finally(() => {
          loading = null;
        });
    }
    return loading;
  }

  if (byDay && pager && nextLink() && 'IntersectionObserver' in window) {
    showProgress();
    // Starts well before the end comes into view, so that scrolling rarely waits.
    const observer = new IntersectionObserver(
      async (entries) => {
        if (!entries.some((entry) => entry.isIntersecting)) return;
        const loaded = await loadMore();
        if (!nextLink()) observer.disconnect();
        else if (loaded) {
          // Observing again reports the pager's state now: if it is still near (a tall
          // screen), the next page follows.
          observer.unobserve(pager);
          observer.observe(pager);
        }
      },
      { rootMargin: '0px 0px 1500px 0px' },
    );
    observer.observe(pager);
  }

  // The lightbox.

  function show(index) {
    const count = thumbs.length;
    current = complete() ? ((index % count) + count) % count : Math.max(0, Math.min(count - 1, index));
    const thumb = thumbs[current];
    image.src = thumb.dataset.full;
    image.alt = thumb.dataset.caption || '';
    caption.textContent = thumb.dataset.caption || '';
    const template = thumb.parentElement.querySelector('template.photo-details');
    if (details) details.replaceChildren(template ? template.content.cloneNode(true) : '');
    counter.textContent = `${offset + current + 1} / ${total()}`;
    prev.hidden = count < 2 || (!complete() && current === 0);
    next.hidden = count < 2 || (!complete() && current === count - 1 && !nextLink());
    // The neighbour is likely next: start loading it.
    if (count > 1) new Image().src = thumbs[(current + 1) % count].dataset.full;
  }

  /** The next photo, loading the next page first when this is the last one loaded. */
  async function forward() {
    if (current === thumbs.length - 1 && nextLink()) await loadMore();
    show(current + 1);
  }

  function open(index) {
    show(index);
    if (!dialog.open) dialog.showModal();
    close.focus();
  }

  grid.addEventListener('click', (event) => {
    const thumb = event.target.closest('a.thumb');
    if (!thumb || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    open(thumbs.indexOf(thumb));
  });

  /**
   * The thumbnail in the row below (direction 1) or above (-1) nearest to thumbnail `index`
   * horizontally: rows are of any length, and may be in the next day's list.
   */
  function rowNeighbour(index, direction) {
    const here = thumbs[index].getBoundingClientRect();
    const centre = here.left + here.width / 2;
    let best = index;
    let bestDistance = Infinity;
    let rowEdge = null;
    for (let i = index + direction; i >= 0 && i < thumbs.length; i += direction) {
      const box = thumbs[i].getBoundingClientRect();
      const edge = direction > 0 ? box.top : box.bottom;
      if (rowEdge === null) {
        // Still in this thumbnail's row?
        if (direction > 0 ? box.top < here.bottom - 1 : box.bottom > here.top + 1) continue;
        rowEdge = edge;
      } else if (Math.abs(edge - rowEdge) > 1) break;
      const distance = Math.abs(box.left + box.width / 2 - centre);
      if (distance < bestDistance) {
        best = i;
        bestDistance = distance;
      }
    }
    return best;
  }

  grid.addEventListener('keydown', (event) => {
    const index = thumbs.indexOf(event.target);
    if (index < 0) return;
    let target = -1;
    switch (event.key) {
      case ' ':
      case 'Spacebar':
        event.preventDefault();
        open(index);
        return;
      case 'ArrowRight':
        target = Math.min(thumbs.length - 1, index + 1);
        break;
      case 'ArrowLeft':
        target = Math.max(0, index - 1);
        break;
      case 'ArrowDown':
        target = rowNeighbour(index, 1);
        break;
      case 'ArrowUp':
        target = rowNeighbour(index, -1);
        break;
      case 'Home':
        target = 0;
        break;
      case 'End':
        target = thumbs.length - 1;
        break;
      default:
        return;
    }
    event.preventDefault();
    thumbs[target].focus();
  });

  dialog.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowRight') {
      event.preventDefault();
      forward();
    } else if (event.key === 'ArrowLeft') {
      event.preventDefault();
      show(current - 1);
    }
    // Escape closes the modal dialog natively.
  });
  prev.addEventListener('click', () => show(current - 1));
  next.addEventListener('click', () => forward());
  close.addEventListener('click', () => dialog.close());

  // Swipes (touch, pen or a mouse drag) on the photo: left for the next, right for the previous.
  // The stylesheet leaves vertical panning to the browser (touch-action), so the details scroll.
  let swipeStart = null;
  let swiped = false;
  stage.addEventListener('pointerdown', (event) => {
    swiped = false;
    swipeStart = event.isPrimary ? { x: event.clientX, y: event.clientY } : null;
  });
  stage.addEventListener('pointercancel', () => {
    swipeStart = null;
  });
  stage.addEventListener('pointerup', (event) => {
    if (!swipeStart) return;
    const dx = event.clientX - swipeStart.x;
    const dy = event.clientY - swipeStart.y;
    swipeStart = null;
    if (Math.abs(dx) < 40 || Math.abs(dx) < Math.abs(dy) * 1.5) return;
    // The click that ends a mouse drag must not count as one on the backdrop.
    swiped = true;
    if (dx < 0) forward();
    else show(current - 1);
  });

  // A click on the backdrop area (the dialog or the stage, not their content) closes it.
  dialog.addEventListener('click', (event) => {
    if (swiped) swiped = false;
    else if (event.target === dialog || event.target === stage) dialog.close();
  });
  dialog.addEventListener('close', () => {
    image.removeAttribute('src');
    if (details) details.replaceChildren();
    // Back to the thumbnail of the photo last shown, so keyboard users keep their place.
    if (current >= 0) thumbs[current].focus();
  });
})();
