// The album page's behaviour over server-rendered links (which work alone: each opens the full
// image): a lightbox dialog, arrow keys between thumbnails and between photos, Escape to
// close, Enter or Space to open the focused thumbnail.
'use strict';

(() => {
  const grid = document.getElementById('grid');
  const dialog = document.getElementById('lightbox');
  if (!grid || !dialog || typeof dialog.showModal !== 'function') return;

  const thumbs = Array.from(grid.querySelectorAll('a.thumb'));
  const image = document.getElementById('lightbox-image');
  const caption = document.getElementById('lightbox-caption');
  const counter = document.getElementById('lightbox-counter');
  const prev = document.getElementById('lightbox-prev');
  const next = document.getElementById('lightbox-next');
  const close = document.getElementById('lightbox-close');
  let current = -1;

  // Placeholder colours (the CSP forbids style attributes in the markup, not from script).
  for (const thumb of thumbs) {
    if (thumb.dataset.color) thumb.style.backgroundColor = thumb.dataset.color;
  }

  function show(index) {
    const count = thumbs.length;
    current = ((index % count) + count) % count;
    const thumb = thumbs[current];
    image.src = thumb.dataset.full;
    image.alt = thumb.dataset.caption || '';
    caption.textContent = thumb.dataset.caption || '';
    counter.textContent = `${current + 1} / ${count}`;
    prev.hidden = count < 2;
    next.hidden = count < 2;
    // The neighbour is likely next: start loading it.
    if (count > 1) new Image().src = thumbs[(current + 1) % count].dataset.full;
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

  /** Columns of the grid as laid out now (thumbnails sharing the first one's top). */
  function columns() {
    const top = thumbs[0].getBoundingClientRect().top;
    let n = 0;
    while (n < thumbs.length && Math.abs(thumbs[n].getBoundingClientRect().top - top) < 2) n += 1;
    return Math.max(1, n);
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
        target = Math.min(thumbs.length - 1, index + columns());
        break;
      case 'ArrowUp':
        target = index - columns() >= 0 ? index - columns() : index;
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
      show(current + 1);
    } else if (event.key === 'ArrowLeft') {
      event.preventDefault();
      show(current - 1);
    }
    // Escape closes the modal dialog natively.
  });
  prev.addEventListener('click', () => show(current - 1));
  next.addEventListener('click', () => show(current + 1));
  close.addEventListener('click', () => dialog.close());
  // A click on the backdrop area (the dialog itself, not its content) closes it.
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener('close', () => {
    image.removeAttribute('src');
    // Back to the thumbnail of the photo last shown, so keyboard users keep their place.
    if (current >= 0) thumbs[current].focus();
  });
})();
