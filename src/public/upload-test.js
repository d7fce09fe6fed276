// The upload test page: open or create an album with a token, upload files straight to the
// album's signed upload form (the embedded host or Cloudinary itself: only the form's url and
// params are used), one XMLHttpRequest at a time per file for real progress, big files in
// chunks as Cloudinary's upload_large sends them, then hand the host's answer to the album,
// as SharinPix's clients do, so each file is recorded the moment it is stored. Files come from
// the picker, a drop, a paste or the phone's camera; each row has a preview, and a cancel or
// retry button. Text is only ever set with textContent.
'use strict';

(() => {
  /** Uploads running at once; more would only compete for the same uplink. */
  const CONCURRENCY = 3;
  /** Previews decoded at once: decoding a photo is the costly part of a preview. */
  const PREVIEWS_AT_ONCE = 2;
  /** Preview side in pixels (twice its CSS size, for dense screens). */
  const PREVIEW_PX = 96;
  /** Rows added per turn of the event loop, so that 200 dropped files never block the page. */
  const ROWS_PER_TURN = 40;
  /**
   * Files larger than this go in chunks of this size (Cloudinary's upload_large default);
   * `data-chunk-size` on the upload section overrides it (tests use small chunks).
   */
  const CHUNK_BYTES = 20_000_000;
  /** The album's images are fetched at most this often while uploads land. */
  const REFRESH_MS = 1000;
  /** A form this close to expiry is fetched anew before the next upload. */
  const FORM_MARGIN_S = 120;
  /** Images shown (the newest). */
  const SHOWN = 100;

  const $ = (id) => document.getElementById(id);
  const els = {
    form: $('album-form'),
    token: $('token'),
    albumId: $('album-id'),
    open: $('open-album'),
    create: $('create-album'),
    status: $('status'),
    section: $('upload-section'),
    albumName: $('album-name'),
    albumCount: $('album-count'),
    albumLink: $('album-link'),
    files: $('files'),
    camera: $('camera'),
    dropzone: $('dropzone'),
    summary: $('queue-summary'),
    queue: $('queue'),
    thumbnails: $('thumbnails'),
    empty: $('thumbnails-empty'),
  };

  const query = new URLSearchParams(location.search);
  els.token.value = query.get('token') || '';
  els.albumId.value = query.get('album') || '';

  let album = null;
  /** Upload forms by album id: uploads go to the album that was open when they were added. */
  const forms = new Map();
  /** Thumbnail tiles by image id. */
  const tiles = new Map();
  /** Upload entries by their row, for the preview observer (which only knows elements). */
  const rowEntries = new WeakMap();
  /** Entries whose rows are not in the page yet, those waiting for an upload slot, and the batch. */
  const unrendered = [];
  const waiting = [];
  const batch = new Set();
  let active = 0;
  let rowsTimer = 0;
  let refreshTimer = 0;
  /** X-Total-Count of the last paginated answer. */
  let lastTotal = null;

  const token = () => els.token.value.trim();
  const albumPath = (id) => `/api/v1/albums/${encodeURIComponent(id)}`;

  function setStatus(message, isError = false) {
    els.status.textContent = message;
    els.status.classList.toggle('error', isError);
  }

  /** A call to the API with the token; adopts the refreshed token the API hands back. */
  async function api(method, path, body) {
    const headers = { Accept: 'application/json', Authorization: `Token token="${token()}"` };
    const init = { method, headers };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const total = response.headers.get('X-Total-Count');
    lastTotal = total === null ? null : Number(total);
    const next = response.headers.get('X-token');
    if (next && next !== token()) els.token.value = next;
    let data = null;
    try {
      data = await response.json();
    } catch {
      // an empty or non-JSON body: data stays null
    }
    if (!response.ok) {
      const error = new Error((data && data.error && data.error.message) || `HTTP ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function busy(on) {
    els.open.disabled = on;
    els.create.disabled = on;
  }

  async function openAlbum(event) {
    event.preventDefault();
    const id = els.albumId.value.trim();
    if (!token()) return setStatus('Enter a token first.', true);
    // Opening names an album; a new one with a generated id is what "Create album" is for.
    if (!id) {
      els.albumId.focus();
      return setStatus('Enter the id of the album to open, or press “Create album” for a new one.', true);
    }
    busy(true);
    setStatus(`Opening album ${id}…`);
    try {
      show(await api('GET', albumPath(id)));
    } catch (error) {
      setStatus(
        error.status === 404 ? `There is no album “${id}”. Use “Create album” to make it.` : `Could not open the album: ${error.message}`,
        true,
      );
    } finally {
      busy(false);
    }
  }

  async function createAlbum() {
    const id = els.albumId.value.trim();
    if (!token()) return setStatus('Enter a token first.', true);
    busy(true);
    setStatus('Creating an album…');
    try {
      show(await api('POST', '/api/v1/albums', id ? { public_id: id } : undefined));
    } catch (error) {
      setStatus(`Could not create the album: ${error.message}`, true);
    } finally {
      busy(false);
    }
  }

  function show(json) {
    album = json;
    els.albumId.value = album.id;
    els.albumName.textContent = album.id;
    els.albumLink.href = `/albums/${encodeURIComponent(album.id)}?token=${encodeURIComponent(token())}`;
    els.section.hidden = false;
    for (const tile of tiles.values()) tile.remove();
    tiles.clear();
    countText(album.images_count);
    // A reload reopens the same album.
    const url = new URL(location.href);
    url.searchParams.set('album', album.id);
    history.replaceState(null, '', url);
    const canUpload = Boolean(album.upload_form);
    if (canUpload) {
      forms.set(album.id, album.upload_form);
      setStatus(`Album ${album.id} is ready: drop, choose or paste photos.`);
    } else setStatus('This token may see the album but not upload to it.', true);
    els.files.disabled = !canUpload;
    els.camera.disabled = !canUpload;
    refreshImages();
  }

  function countText(n) {
    els.albumCount.textContent = `${n} ${n === 1 ? 'photo' : 'photos'}`;
  }

  // --- The queue -------------------------------------------------------------------------

  function addFiles(fileList) {
    if (!album || !album.upload_form) return;
    const files = Array.from(fileList || []);
    if (!files.length) return;
    for (const file of files) {
      const entry = { file, albumId: album.id, state: 'queued', xhr: null, chunks: null, answer: null };
      unrendered.push(entry);
      batch.add(entry);
    }
    setStatus(`Uploading ${files.length} ${files.length === 1 ? 'file' : 'files'}…`);
    summarise();
    renderRows();
  }

  /** Adds rows a few dozen at a time, yielding between, and queues each upload once it has its row. */
  function renderRows() {
    rowsTimer = 0;
    const fragment = document.createDocumentFragment();
    for (const entry of unrendered.splice(0, ROWS_PER_TURN)) {
      fragment.append(row(entry));
      previews.observe(entry.row);
      waiting.push(entry);
    }
    els.queue.append(fragment);
    // setTimeout rather than requestAnimationFrame: it still runs in a background tab.
    if (unrendered.length && !rowsTimer) rowsTimer = setTimeout(renderRows, 0);
    pump();
  }

  function row(entry) {
    const item = document.createElement('li');
    item.className = 'upload';
    const preview = document.createElement('span');
    preview.className = 'preview';
    const name = document.createElement('span');
    name.className = 'upload-name';
    name.textContent = entry.file.name;
    name.title = entry.file.name;
    const state = document.createElement('span');
    state.className = 'upload-state';
    const progress = document.createElement('progress');
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute('aria-label', `Upload of ${entry.file.name}`);
    item.append(preview, name, state, progress);
    Object.assign(entry, { row: item, preview, stateText: state, progress, action: null });
    rowEntries.set(item, entry);
    setState(entry, 'queued', 'Waiting');
    return item;
  }

  /** The row's state, its words, and the one button that state allows (none once recorded). */
  function setState(entry, state, text) {
    entry.state = state;
    entry.row.dataset.state = state;
    entry.stateText.textContent = text;
    const label = state === 'queued' || state === 'uploading' ? 'Cancel' : state === 'failed' || state === 'cancelled' ? 'Retry' : null;
    if (entry.action && entry.action.textContent === label) return;
    entry.action?.remove();
    entry.action = null;
    if (!label) return;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'secondary upload-action';
    button.textContent = label;
    button.setAttribute('aria-label', `${label} ${entry.file.name}`);
    button.addEventListener('click', () => (label === 'Cancel' ? cancel(entry) : retry(entry)));
    entry.row.append(button);
    entry.action = button;
  }

  function cancel(entry) {
    const at = waiting.indexOf(entry);
    if (at >= 0) waiting.splice(at, 1);
    setState(entry, 'cancelled', 'Cancelled');
    entry.xhr?.abort();
    summarise();
    settle();
  }

  /** Queues the file again; a chunked upload resumes after its last chunk the host took. */
  function retry(entry) {
    batch.add(entry);
    if (!entry.chunks) entry.progress.value = 0;
    setState(entry, 'queued', 'Waiting');
    waiting.push(entry);
    setStatus(`Uploading ${entry.file.name} again…`);
    summarise();
    pump();
  }

  function pump() {
    while (active < CONCURRENCY && waiting.length) {
      active += 1;
      upload(waiting.shift()).finally(() => {
        active -= 1;
        pump();
        settle();
      });
    }
  }

  /** Stored (or already stored by an earlier try), then recorded in the album. */
  async function upload(entry) {
    try {
      if (!entry.answer) entry.answer = await send(entry);
      setState(entry, 'recording', 'Stored · recording…');
      await api('POST', `${albumPath(entry.albumId)}/images`, { cloudinary: entry.answer });
      entry.progress.value = 100;
      setState(entry, 'done', 'Saved in the album');
      refreshSoon();
    } catch (error) {
      if (entry.state !== 'cancelled') setState(entry, 'failed', `Failed: ${error.message}`);
    }
    summarise();
  }

  /** A fresh form when the album's is about to expire (they last 7 days). */
  async function formFor(albumId) {
    const form = forms.get(albumId);
    if (form && form.expires_at - Date.now() / 1000 >= FORM_MARGIN_S) return form;
    const json = await api('GET', albumPath(albumId));
    if (!json.upload_form) throw new Error('this token may no longer upload to the album');
    forms.set(albumId, json.upload_form);
    return json.upload_form;
  }

  function chunkSize() {
    return Number(els.section.dataset.chunkSize) || CHUNK_BYTES;
  }

  /** An id for the host to gather one file's chunks under (crypto.randomUUID needs HTTPS). */
  function uploadId() {
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  }

  /** Sends the file whole, or in chunks one after the other; resolves with the host's answer. */
  async function send(entry) {
    const form = await formFor(entry.albumId);
    const { file } = entry;
    const size = chunkSize();
    if (file.size <= size) return post(entry, form, file, {}, 0);
    entry.chunks ??= { id: uploadId(), next: 0 };
    for (;;) {
      const { id, next } = entry.chunks;
      const end = Math.min(next + size, file.size);
      const last = end === file.size;
      // As upload_large: the total only with the last chunk, -1 before it.
      const headers = { 'X-Unique-Upload-Id': id, 'Content-Range': `bytes ${next}-${end - 1}/${last ? file.size : -1}` };
      const answer = await post(entry, form, file.slice(next, end), headers, next);
      if (!last) entry.chunks.next = end;
      else if (answer.public_id) return answer;
      else {
        entry.chunks = null;
        throw new Error('the media host did not get the whole file; retry sends it again');
      }
    }
  }

  /** One POST of the form's params and `blob` to the host, with progress; rejects with why. */
  function post(entry, form, blob, headers, offset) {
    if (entry.state === 'cancelled') return Promise.reject(new Error('cancelled'));
    if (entry.state !== 'uploading') setState(entry, 'uploading', `${entry.progress.value} %`);
    const body = new FormData();
    for (const [key, value] of Object.entries(form.params)) body.append(key, String(value));
    body.append('file', blob, entry.file.name);
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      entry.xhr = xhr;
      xhr.open('POST', form.url);
      xhr.responseType = 'json';
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      xhr.upload.addEventListener('progress', (event) => {
        if (!event.lengthComputable || entry.state !== 'uploading') return;
        const sent = offset + (event.loaded / event.total) * blob.size;
        const percent = Math.min(99, Math.floor((sent / entry.file.size) * 100));
        entry.progress.value = percent;
        entry.stateText.textContent = `${percent} %`;
      });
      xhr.addEventListener('loadend', () => {
        entry.xhr = null;
        const answer = xhr.response;
        if (xhr.status >= 200 && xhr.status < 300 && answer) return resolve(answer);
        if (entry.state === 'cancelled') return reject(new Error('cancelled'));
        if (!xhr.status) return reject(new Error('network error'));
        // The host refused the file and dropped any chunks it had: a retry starts over.
        entry.chunks = null;
        reject(new Error((answer && answer.error && answer.error.message) || `HTTP ${xhr.status}`));
      });
      xhr.send(body);
    });
  }

  /** The running count above the rows (not announced: the status line sums up at the end). */
  function summarise() {
    const counts = { done: 0, failed: 0, cancelled: 0 };
    for (const entry of batch) if (entry.state in counts) counts[entry.state] += 1;
    const parts = [`${counts.done} of ${batch.size} in the album`];
    if (counts.failed) parts.push(`${counts.failed} failed`);
    if (counts.cancelled) parts.push(`${counts.cancelled} cancelled`);
    els.summary.textContent = batch.size ? parts.join(' · ') : '';
  }

  /**
   * Once every upload of the batch has settled (recorded, failed or cancelled), sums it up
   * and, when some were recorded, tells the API the batch ended (it notifies the webhook).
   */
  function settle() {
    if (active || waiting.length || unrendered.length || !batch.size) return;
    const entries = Array.from(batch);
    batch.clear();
    const done = entries.filter((e) => e.state === 'done');
    const failed = entries.filter((e) => e.state === 'failed').length;
    const cancelled = entries.filter((e) => e.state === 'cancelled').length;
    const albumIds = new Set(done.map((e) => e.albumId));
    for (const albumId of albumIds) {
      api('POST', `${albumPath(albumId)}/upload_done`).catch(() => {
        // Optional for the upload itself: a failure here loses nothing on the page.
      });
    }
    const total = entries.length;
    const uploads = total === 1 ? 'upload' : 'uploads';
    if (failed) setStatus(`${failed} of ${total} ${uploads} failed${cancelled ? `, ${cancelled} cancelled` : ''}.`, true);
    else if (cancelled) setStatus(`${done.length} of ${total} ${uploads} in the album, ${cancelled} cancelled.`);
    else setStatus('All uploads are in the album.');
    refreshImages();
  }

  // --- Previews --------------------------------------------------------------------------

  /** Rows whose preview is wanted (near the screen), decoded a few at a time. */
  const previewQueue = [];
  let previewing = 0;
  const previews = new IntersectionObserver(
    (changes) => {
      for (const change of changes) {
        if (!change.isIntersecting) continue;
        previews.unobserve(change.target);
        previewQueue.push(change.target);
      }
      pumpPreviews();
    },
    { rootMargin: '300px 0px' },
  );

  function pumpPreviews() {
    while (previewing < PREVIEWS_AT_ONCE && previewQueue.length) {
      previewing += 1;
      makePreview(rowEntries.get(previewQueue.shift())).finally(() => {
        previewing -= 1;
        pumpPreviews();
      });
    }
  }

  /**
   * A small JPEG of the photo's centre, shown through an object URL revoked once it has
   * loaded: the page never holds a full-size photo decoded (or its URL) for a preview. Files
   * the browser cannot decode (not images, HEIC outside Safari) show their extension instead.
   */
  async function makePreview(entry) {
    const ext = (/\.([a-z0-9]{1,5})$/i.exec(entry.file.name) || [])[1] || 'file';
    let blob = null;
    try {
      const bitmap = await createImageBitmap(entry.file);
      const side = Math.min(bitmap.width, bitmap.height);
      const canvas = document.createElement('canvas');
      canvas.width = PREVIEW_PX;
      canvas.height = PREVIEW_PX;
      canvas
        .getContext('2d')
        .drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, PREVIEW_PX, PREVIEW_PX);
      bitmap.close();
      blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.8));
    } catch {
      // not decodable here: the extension stands in
    }
    if (!blob) {
      entry.preview.dataset.ext = ext;
      return;
    }
    const url = URL.createObjectURL(blob);
    const img = document.createElement('img');
    img.alt = '';
    img.width = PREVIEW_PX / 2;
    img.height = PREVIEW_PX / 2;
    await new Promise((resolve) => {
      img.addEventListener('load', resolve, { once: true });
      img.addEventListener('error', resolve, { once: true });
      img.src = url;
    });
    URL.revokeObjectURL(url);
    entry.preview.append(img);
  }

  // --- The album's images ----------------------------------------------------------------

  /** Refreshes the thumbnails at most once a REFRESH_MS while uploads are recorded. */
  function refreshSoon() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = 0;
      refreshImages();
    }, REFRESH_MS);
  }

  async function refreshImages() {
    if (!album) return;
    const albumId = album.id;
    let images;
    try {
      images = await api('GET', `${albumPath(albumId)}/images?per_page=${SHOWN}`);
    } catch (error) {
      if (error.status === 403) els.empty.textContent = 'This token may not list the album’s photos.';
      return;
    }
    if (!album || album.id !== albumId) return;
    let previous = null;
    for (const image of images) {
      let tile = tiles.get(image.id);
      if (!tile) {
        tile = thumbnail(image);
        tiles.set(image.id, tile);
      }
      // Newest first: place each after the previous one (a no-op when already there).
      if (previous ? previous.nextSibling !== tile : els.thumbnails.firstChild !== tile) {
        els.thumbnails.insertBefore(tile, previous ? previous.nextSibling : els.thumbnails.firstChild);
      }
      previous = tile;
    }
    els.empty.hidden = images.length > 0;
    countText(lastTotal ?? images.length);
  }

  function thumbnail(image) {
    const tile = document.createElement('li');
    tile.className = 'tile';
    tile.dataset.imageId = image.id;
    if (image.color) tile.style.backgroundColor = image.color;
    const img = document.createElement('img');
    img.src = image.thumbnails.large;
    img.srcset = `${image.thumbnails.mini} 100w, ${image.thumbnails.large} 200w`;
    img.sizes = '(max-width: 420px) 31vw, 150px';
    img.width = 200;
    img.height = 200;
    img.decoding = 'async';
    // Below a long queue they wait until scrolled to, leaving the host to the uploads.
    img.loading = 'lazy';
    img.alt = image.title || image.filename || 'Photo';
    tile.append(img);
    return tile;
  }

  // --- Wiring ----------------------------------------------------------------------------

  els.form.addEventListener('submit', openAlbum);
  els.create.addEventListener('click', createAlbum);
  for (const input of [els.files, els.camera]) {
    input.addEventListener('change', () => {
      addFiles(input.files);
      input.value = '';
    });
  }
  for (const type of ['dragenter', 'dragover']) {
    els.dropzone.addEventListener(type, (event) => {
      event.preventDefault();
      els.dropzone.classList.add('dragging');
    });
  }
  for (const type of ['dragleave', 'drop']) {
    els.dropzone.addEventListener(type, () => els.dropzone.classList.remove('dragging'));
  }
  els.dropzone.addEventListener('drop', (event) => {
    event.preventDefault();
    addFiles(event.dataTransfer && event.dataTransfer.files);
  });
  // A file dropped beside the zone must not replace the page.
  window.addEventListener('dragover', (event) => event.preventDefault());
  window.addEventListener('drop', (event) => event.preventDefault());
  // Pasted images (a screenshot, a copied photo) upload like chosen ones; pasted text is left alone.
  document.addEventListener('paste', (event) => {
    const images = Array.from((event.clipboardData && event.clipboardData.files) || []).filter((f) => f.type.startsWith('image/'));
    if (!images.length || !album || !album.upload_form) return;
    event.preventDefault();
    addFiles(images);
  });

  if (token() && els.albumId.value) els.form.requestSubmit();
  else if (!token()) setStatus('Enter a token to begin.');
  else setStatus('Enter an album id to open, or create a new album.');
})();
