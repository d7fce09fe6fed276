// The album page's behaviour over server-rendered links (which work alone: each opens the full
// image, and the pager's links lead on): justified rows, the next pages loaded as the reader
// scrolls, a lightbox dialog with the photo's details, arrow keys between thumbnails and
// between photos, swipes, Escape to close, Enter or Space to open the focused thumbnail.
// The share page uses it too, with square tiles and no details: each part works without the others.
'use strict';

(() => {
  const grid = document.getElementById('grid');
  const dialog = document.getElementById('lightbox');
  if (!grid || !dialog || typeof dialog.show !== 'function') return;

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

  // The placeholder colours (the CSP forbids style attributes in the markup, not styles set
  // from script).
  const paint = (thumb) => {
    if (thumb.dataset.color) thumb.style.backgroundColor = thumb.dataset.color;
  };
  thumbs.forEach(paint);

  /**
   * Justified rows, as photo sites draw them: the row breaks that keep rows closest to the
   * target height, chosen over the whole list (filling rows one by one leaves a lone photo
   * blown up to the full width whenever the next one is wide), each row then scaled to fill
   * the width exactly. The last row keeps the target height unless it overflows at it.
   * `ratios` are width/height; returns [start, end) per row.
   */
  function breaks(ratios, width, target, gap) {
    const n = ratios.length;
    const cost = [0];
    const from = [0];
    for (let end = 1; end <= n; end++) {
      cost[end] = Infinity;
      let sum = 0;
      for (let start = end - 1; start >= 0; start--) {
        sum += ratios[start];
        const height = (width - gap * (end - 1 - start)) / sum;
        // More photos only make the row lower: stop well below the target.
        if (height < target / 2 && start < end - 1) break;
        const badness = end === n && height >= target ? 0 : ((height - target) / target) ** 2;
        if (cost[start] + badness < cost[end]) {
          cost[end] = cost[start] + badness;
          from[end] = start;
        }
      }
    }
    const rows = [];
    for (let end = n; end > 0; end = from[end]) rows.unshift([from[end], end]);
    return rows;
  }

  const ratioOf = (item) => {
    const img = item.querySelector('img');
    const ratio = Number(img && img.getAttribute('width')) / Number(img && img.getAttribute('height'));
    return ratio > 0 && Number.isFinite(ratio) ? ratio : 1;
  };

  /**
   * Lays out a day's list from its photo `from` on (the rows before it stay as they are, so
   * that a page appended below moves nothing the reader sees). Each photo's flex basis is its
   * share of a row a pixel short of the width, rounded down to the browser's 1/64 px, so that
   * no rounding makes a row overflow and wrap; it grows by its ratio to take that pixel back,
   * which keeps the photos of a row at one height: full rows end flush.
   */
  function justify(list, { width: fullWidth, target, gap }, from = 0) {
    const items = Array.from(list.children).slice(from);
    if (!items.length) return;
    const width = fullWidth - 1;
    const ratios = items.map(ratioOf);
    const rows = breaks(ratios, width, target, gap);
    for (const [start, end] of rows) {
      let sum = 0;
      for (let i = start; i < end; i++) sum += ratios[i];
      const fill = (width - gap * (end - 1 - start)) / sum;
      const last = end === items.length;
      const height = last ? Math.min(fill, target) : fill;
      for (let i = start; i < end; i++) {
        items[i].style.flex = `${last && fill > target ? 0 : ratios[i]} 1 ${Math.floor(ratios[i] * height * 64) / 64}px`;
      }
    }
    list.dataset.lastRow = String(from + rows[rows.length - 1][0]);
  }

  /**
   * The lists' width, the target row height and the gap, as the stylesheet sets them for this
   * window (--row is a registered length, so it reads in px). Read once per layout: every
   * list has the same, and reading between writes would make the browser lay out each time.
   */
  function measure() {
    const list = grid.querySelector('ul.photos');
    const style = getComputedStyle(list);
    return {
      // (Not clientWidth: rounded to whole pixels, it may be wider than the list.)
      width: list.getBoundingClientRect().width,
      target: parseFloat(style.getPropertyValue('--row')) || 200,
      gap: parseFloat(style.columnGap) || 0,
    };
  }

  if (byDay) {
    grid.classList.add('justified');
    let laidOutWidth = 0;
    // Lays every list out again when the width changes (not when pages make the grid taller).
    new ResizeObserver((entries) => {
      const width = entries[entries.length - 1].contentRect.width;
      if (width === laidOutWidth) return;
      laidOutWidth = width;
      const metrics = measure();
      grid.querySelectorAll('ul.photos').forEach((list) => justify(list, metrics));
    }).observe(grid);
  }

  const total = () => Number(grid.dataset.total) || offset + thumbs.length;
  /** The link to the page after those loaded (the share page's pages are only followed, not loaded here). */
  const nextLink = () => (byDay && pager ? pager.querySelector('a[rel="next"]') : null);
  /** Every photo of the album is on the page: the lightbox may wrap around. */
  const complete = () => offset === 0 && !nextLink();

  // Loading further pages: the next page's HTML (the pager's own link, so the token and the
  // album's order are the page's), whose days are appended here, a day continued merged.
  let loading = null;

  function showProgress() {
    const number = (n) => n.toLocaleString('en');
    if (pagerStatus) pagerStatus.textContent = `Photos ${number(offset + 1)}–${number(offset + thumbs.length)} of ${number(total())}`;
  }

  async function fetchNext(link) {
    // Ahead of the thumbnails in the browser's queue: they may come from this host too.
    const response = await fetch(link.href, { credentials: 'same-origin', headers: { Accept: 'text/html' }, priority: 'high' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const page = new DOMParser().parseFromString(await response.text(), 'text/html');
    page.querySelectorAll('a.thumb').forEach(paint);
    const metrics = measure();
    for (const section of page.querySelectorAll('#grid > section.day')) {
      const last = grid.lastElementChild;
      if (last && last.dataset.day === section.dataset.day) {
        // The day goes on: its last row is laid out again with the photos that follow.
        const list = last.querySelector('ul.photos');
        list.append(...section.querySelector('ul.photos').children);
        justify(list, metrics, Number(list.dataset.lastRow) || 0);
      } else {
        grid.append(document.adoptNode(section));
        justify(section.querySelector('ul.photos'), metrics);
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

  if (nextLink() && 'IntersectionObserver' in window) {
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

  /**
   * Opens the viewer as a non-modal dialog that covers the window and keeps the focus (below),
   * announced as modal (aria-modal). showModal() would make every other element of the page
   * inert, which restyles all of them: with thousands of photos loaded, that took the browser
   * longer than the photo took to arrive, on every open and close.
   */
  dialog.setAttribute('aria-modal', 'true');

  function open(index) {
    show(index);
    if (!dialog.open) dialog.show();
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

  /** What Tab moves between in the open viewer. */
  const focusables = () =>
    Array.from(dialog.querySelectorAll('button, a[href], [tabindex="0"]')).filter((element) => !element.hidden && element.getClientRects().length > 0);

  // On the document: a click on the photo (nothing focusable) leaves the focus on the body.
  document.addEventListener('keydown', (event) => {
    if (!dialog.open) return;
    if (event.key === 'ArrowRight') {
      event.preventDefault();
      forward();
    } else if (event.key === 'ArrowLeft') {
      event.preventDefault();
      show(current - 1);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      dialog.close();
    } else if (event.key === 'Tab') {
      // The focus goes round the viewer, as in a modal dialog.
      const inside = focusables();
      const edge = event.shiftKey ? inside[0] : inside[inside.length - 1];
      if (inside.length && (document.activeElement === edge || !dialog.contains(document.activeElement))) {
        event.preventDefault();
        (event.shiftKey ? inside[inside.length - 1] : inside[0]).focus();
      }
    }
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
