// The upload test page: open or create an album with a token, upload files straight to the
// album's signed upload form (the embedded host or Cloudinary itself: only the form's url and
// params are used), one XMLHttpRequest per file for real progress, then poll the album's
// images until each upload has landed. Text is only ever set with textContent.
'use strict';

(() => {
  /** Uploads running at once; more would only compete for the same uplink. */
  const CONCURRENCY = 3;
  /** How often the album's images are polled while notifications are awaited. */
  const POLL_MS = 1000;
  /** How long to wait for a stored file's notification before giving up polling. */
  const LAND_TIMEOUT_MS = 90 * 1000;
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
    dropzone: $('dropzone'),
    queue: $('queue'),
    thumbnails: $('thumbnails'),
    empty: $('thumbnails-empty'),
  };

  const query = new URLSearchParams(location.search);
  els.token.value = query.get('token') || '';
  els.albumId.value = query.get('album') || '';

  let album = null;
  /** Upload items by the public_id the host gave the stored file, until their image shows up. */
  const awaiting = new Map();
  /** Thumbnail tiles by image id. */
  const tiles = new Map();
  const waiting = [];
  let active = 0;
  /** Files of the current batch that reached the host, and that failed. */
  let batchStored = 0;
  let batchFailed = 0;
  let pollTimer = 0;
  let lastStoredAt = 0;
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
    if (album.upload_form) {
      setStatus(`Album ${album.id} is ready: drop or choose photos.`);
      els.files.disabled = false;
    } else {
      setStatus('This token may see the album but not upload to it.', true);
      els.files.disabled = true;
    }
    refreshImages();
  }

  function countText(n) {
    els.albumCount.textContent = `${n} ${n === 1 ? 'photo' : 'photos'}`;
  }

  // --- Uploads ---------------------------------------------------------------------------

  function addFiles(fileList) {
    if (!album || !album.upload_form) return;
    const files = Array.from(fileList || []);
    for (const file of files) {
      const item = document.createElement('li');
      item.className = 'upload';
      item.dataset.state = 'queued';
      const name = document.createElement('span');
      name.className = 'upload-name';
      name.textContent = file.name;
      name.title = file.name;
      const state = document.createElement('span');
      state.className = 'upload-state';
      state.textContent = 'Waiting';
      const progress = document.createElement('progress');
      progress.max = 100;
      progress.value = 0;
      progress.setAttribute('aria-label', `Upload of ${file.name}`);
      item.append(name, state, progress);
      els.queue.append(item);
      waiting.push({ file, item, state, progress });
    }
    if (files.length) setStatus(`Uploading ${files.length} ${files.length === 1 ? 'file' : 'files'}…`);
    pump();
  }

  function pump() {
    while (active < CONCURRENCY && waiting.length) {
      active += 1;
      upload(waiting.shift()).finally(() => {
        active -= 1;
        pump();
        maybeBatchDone();
      });
    }
  }

  function setState(upload, state, text) {
    upload.item.dataset.state = state;
    upload.state.textContent = text;
  }

  /** A fresh form when the current one is about to expire (they last 7 days). */
  async function currentForm() {
    if (album.upload_form.expires_at - Date.now() / 1000 < FORM_MARGIN_S) {
      album = await api('GET', albumPath(album.id));
    }
    return album.upload_form;
  }

  async function upload(entry) {
    let form;
    try {
      form = await currentForm();
    } catch (error) {
      fail(entry, `Failed: ${error.message}`);
      return;
    }
    setState(entry, 'uploading', '0 %');
    const body = new FormData();
    for (const [key, value] of Object.entries(form.params)) body.append(key, String(value));
    body.append('file', entry.file, entry.file.name);
    const result = await new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', form.url);
      xhr.responseType = 'json';
      xhr.upload.addEventListener('progress', (event) => {
        if (!event.lengthComputable) return;
        const percent = Math.min(99, Math.floor((event.loaded / event.total) * 100));
        entry.progress.value = percent;
        entry.state.textContent = `${percent} %`;
      });
      xhr.addEventListener('load', () => resolve({ status: xhr.status, body: xhr.response }));
      xhr.addEventListener('error', () => resolve({ status: 0, body: null }));
      xhr.addEventListener('abort', () => resolve({ status: 0, body: null }));
      xhr.send(body);
    });
    if (result.status >= 200 && result.status < 300 && result.body && result.body.public_id) {
      entry.progress.value = 100;
      setState(entry, 'stored', 'Stored · waiting for the album');
      awaiting.set(result.body.public_id, entry);
      batchStored += 1;
      lastStoredAt = Date.now();
      poll();
    } else {
      const message = (result.body && result.body.error && result.body.error.message) || (result.status ? `HTTP ${result.status}` : 'network error');
      fail(entry, `Failed: ${message}`);
    }
  }

  /**
   * Once every upload of the batch has settled (landed or failed), sums it up and, when some
   * landed, tells the API the batch ended (it records it and notifies the webhook).
   */
  function maybeBatchDone() {
    if (active || waiting.length || awaiting.size || !album || !(batchStored || batchFailed)) return;
    const stored = batchStored;
    const failed = batchFailed;
    batchStored = 0;
    batchFailed = 0;
    if (stored) {
      api('POST', `${albumPath(album.id)}/upload_done`).catch(() => {
        // Optional for the upload itself: a failure here loses nothing on the page.
      });
    }
    if (!failed) setStatus('All uploads are in the album.');
    else setStatus(`${failed} of ${stored + failed} ${stored + failed === 1 ? 'upload' : 'uploads'} failed.`, true);
  }

  function fail(entry, text) {
    setState(entry, 'failed', text);
    batchFailed += 1;
  }

  // --- The album's images ----------------------------------------------------------------

  function poll() {
    if (pollTimer) return;
    pollTimer = setTimeout(async () => {
      pollTimer = 0;
      await refreshImages();
      if (!awaiting.size) return maybeBatchDone();
      if (Date.now() - lastStoredAt > LAND_TIMEOUT_MS) {
        for (const entry of awaiting.values()) fail(entry, 'Stored, but not in the album yet');
        batchStored -= awaiting.size;
        awaiting.clear();
        maybeBatchDone();
        setStatus('Some files were stored but have not reached the album yet (is the notification URL reachable?).', true);
        return;
      }
      poll();
    }, POLL_MS);
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
      const entry = awaiting.get(image.public_id);
      if (entry) {
        awaiting.delete(image.public_id);
        setState(entry, 'done', 'In the album ✓');
      }
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
    img.alt = image.title || image.filename || 'Photo';
    tile.append(img);
    return tile;
  }

  // --- Wiring ----------------------------------------------------------------------------

  els.form.addEventListener('submit', openAlbum);
  els.create.addEventListener('click', createAlbum);
  els.files.addEventListener('change', () => {
    addFiles(els.files.files);
    els.files.value = '';
  });
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

  if (token() && els.albumId.value) els.form.requestSubmit();
  else if (!token()) setStatus('Enter a token to begin.');
  else setStatus('Enter an album id to open, or create a new album.');
})();
