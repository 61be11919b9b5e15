/**
 * The dashboard's script (served as `app.js`). Every value from the store reaches the page
 * through `textContent` or a canvas, never as HTML, so a cell holding markup shows as text.
 * Written without template literals: it sits in one (`String.raw`) here.
 */
export const PAGE_SCRIPT = String.raw`'use strict';
(function () {
  var TOKEN_KEY = 'batchactions-dashboard-token';
  var COLORS = { '.': '#c9ced8', p: '#9aa6ff', R: '#2f7de1', S: '#f08c00', C: '#2fa764', W: '#b5c93a', F: '#d6384b' };
  var CODE_NAMES = { '.': 'pending', p: 'paused', R: 'processing', S: 'processing, stale heartbeat', C: 'completed', W: 'completed with failed records', F: 'failed' };
  var STATUSES = ['CREATED', 'PROCESSING', 'PAUSED', 'COMPLETED', 'FAILED', 'ABORTED'];
  var info = null;
  var timer = null;
  var generation = 0;
  var main = document.getElementById('main');

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === undefined || value === null || value === false) return;
        if (key === 'text') node.textContent = String(value);
        else if (key === 'className') node.className = value;
        else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function count(n) { return n === undefined || n === null ? '-' : Number(n).toLocaleString('en-US'); }
  function duration(ms) {
    if (ms === undefined || ms === null || !isFinite(ms)) return '-';
    var s = Math.round(ms / 1000);
    if (s < 60) return s + 's';
    var m = Math.floor(s / 60);
    if (m < 60) return m + 'm ' + (s % 60) + 's';
    var h = Math.floor(m / 60);
    if (h < 48) return h + 'h ' + (m % 60) + 'm';
    return Math.floor(h / 24) + 'd ' + (h % 24) + 'h';
  }
  // Batch times are often under a second: milliseconds below 10 s, then as duration().
  function preciseDuration(ms) {
    if (ms === undefined || ms === null || !isFinite(ms)) return '-';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 10000) return (ms / 1000).toFixed(1) + ' s';
    return duration(ms);
  }
  function rate(r) { return r === undefined ? '-' : (r >= 100 ? Math.round(r).toLocaleString('en-US') : r.toFixed(1)) + '/s'; }
  function percent(done, total) { return total > 0 ? Math.min(100, (done / total) * 100) : 0; }
  function bar(processed, failed, total, big) {
    var ok = percent(processed, total);
    var ko = percent(failed, total);
    var node = el('div', { className: big ? 'bar big' : 'bar', role: 'progressbar', 'aria-valuenow': Math.round(ok + ko) });
    var okSpan = el('span', { className: 'ok' });
    okSpan.style.width = ok + '%';
    var koSpan = el('span', { className: 'ko' });
    koSpan.style.left = ok + '%';
    koSpan.style.width = ko + '%';
    node.appendChild(okSpan);
    node.appendChild(koSpan);
    return node;
  }
  function badge(text, cls) { return el('span', { className: 'badge ' + (cls || text), text: text }); }

  function api(path, options) {
    options = options || {};
    var headers = { Accept: 'application/json' };
    if (options.method === 'POST') {
      headers['X-BatchActions-Dashboard'] = '1';
      var token = sessionStorage.getItem(TOKEN_KEY) || '';
      if (token !== '') headers.Authorization = 'Bearer ' + token;
    }
    return fetch('api/' + path, { method: options.method || 'GET', headers: headers, credentials: 'same-origin' })
      .then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) {
            var err = new Error(body && body.error ? body.error.message : 'HTTP ' + res.status);
            err.status = res.status;
            throw err;
          }
          return body;
        });
      });
  }

  function stamp() {
    document.getElementById('live').textContent = 'updated ' + new Date().toLocaleTimeString();
  }
  function showError(box, error) {
    clear(box).appendChild(el('div', { className: 'error', role: 'alert', text: error.message }));
  }

  // One refresh at a time: a slow answer delays the next refresh instead of piling requests up.
  function schedule(fn) {
    if (timer) clearInterval(timer);
    var busy = false;
    function tick() {
      if (busy) return;
      busy = true;
      fn().then(function () { busy = false; }, function () { busy = false; });
    }
    tick();
    timer = setInterval(tick, info.refreshMs);
  }

  // ---- jobs page ----
  function jobsPage() {
    var my = ++generation;
    clear(main);
    if (!info.listing.listJobs) {
      main.appendChild(el('div', { className: 'notice', id: 'no-listing', text:
        'This store cannot list its jobs: it has no listJobs method (a store written for the published port). ' +
        'Open a job by its id below; every store in this repository lists jobs.' }));
    }
    var status = el('select', { id: 'status-filter', 'aria-label': 'filter by status' },
      [el('option', { value: '', text: 'every status' })].concat(STATUSES.map(function (s) { return el('option', { value: s, text: s }); })));
    var search = el('input', { id: 'search', type: 'search', placeholder: 'search job id or file', 'aria-label': 'search job id or file name' });
    var openId = el('input', { id: 'open-id', placeholder: 'job id', 'aria-label': 'job id to open' });
    var open = el('button', { text: 'Open job', onclick: function () { if (openId.value.trim() !== '') location.hash = '#/job/' + encodeURIComponent(openId.value.trim()); } });
    main.appendChild(el('div', { className: 'toolbar' }, [status, search, el('span', { className: 'muted', text: 'or' }), openId, open]));
    var box = el('div', { id: 'jobs' });
    main.appendChild(box);
    if (!info.listing.listJobs) return;
    function refresh() {
      var query = 'jobs?status=' + encodeURIComponent(status.value) + '&q=' + encodeURIComponent(search.value);
      return api(query).then(function (body) {
        if (my !== generation) return;
        renderJobs(box, body.jobs);
        stamp();
      }, function (error) { if (my === generation) showError(box, error); });
    }
    status.addEventListener('change', function () { refresh(); });
    search.addEventListener('input', function () { refresh(); });
    schedule(refresh);
  }

  function renderJobs(box, jobs) {
    clear(box);
    if (jobs.length === 0) { box.appendChild(el('p', { className: 'muted', text: 'No job matches.' })); return; }
    var head = el('tr', null, ['Job', 'Source', 'Status', 'Phase', 'Progress', 'Records', 'Rate', 'ETA', 'Age', 'Workers', 'Failures'].map(function (h, i) {
      return el('th', { className: i >= 5 ? 'num' : '', text: h });
    }));
    var rows = jobs.map(function (job) {
      var done = job.processedRecords + job.failedRecords;
      return el('tr', { 'data-job': job.jobId }, [
        el('td', null, [el('a', { href: '#/job/' + encodeURIComponent(job.jobId), text: job.jobId })]),
        el('td', { className: 'source', text: job.sourceName || '-' }),
        el('td', null, [badge(job.status)]),
        el('td', null, [badge(job.phase)]),
        el('td', null, [bar(job.processedRecords, job.failedRecords, job.totalRecords, false)]),
        el('td', { className: 'num', text: count(done) + ' / ' + count(job.totalRecords) }),
        el('td', { className: 'num', text: rate(job.recordsPerSecond) }),
        el('td', { className: 'num', text: duration(job.etaMs) }),
        el('td', { className: 'num', text: duration(job.ageMs) }),
        el('td', { className: 'num', text: count(job.workers) }),
        el('td', { className: 'num', text: count(job.failedRecords) })
      ]);
    });
    box.appendChild(el('div', { className: 'card' }, [el('table', { id: 'jobs-table' }, [el('thead', null, [head]), el('tbody', null, rows)])]));
  }

  // ---- job page ----
  function jobPage(jobId) {
    var my = ++generation;
    var path = 'jobs/' + encodeURIComponent(jobId);
    clear(main);
    var summary = el('div', { className: 'card', id: 'summary' });
    var controls = el('div', { className: 'card', id: 'controls' });
    var chart = el('canvas', { id: 'chart', width: 900, height: 160, 'aria-label': 'throughput over time' });
    var grid = el('canvas', { id: 'grid', 'aria-label': 'batch grid' });
    var gridNote = el('div', { id: 'grid-note' });
    var tip = el('div', { className: 'tip', hidden: true });
    var inFlight = el('div', { id: 'in-flight' });
    var failedBox = el('div', { id: 'failed' });
    main.appendChild(el('p', null, [el('a', { href: '#/', text: '← all jobs' })]));
    main.appendChild(el('h1', { id: 'job-title', text: jobId }));
    main.appendChild(summary);
    main.appendChild(controls);
    main.appendChild(el('div', { className: 'columns' }, [
      el('div', { className: 'card' }, [el('h2', { text: 'Batches' }), gridNote, grid, legend()]),
      el('div', { className: 'card' }, [el('h2', { text: 'Throughput (records/s)' }), chart])
    ]));
    main.appendChild(el('div', { className: 'card' }, [el('h2', { text: 'Batches in flight' }), inFlight]));
    main.appendChild(el('div', { className: 'card' }, [el('h2', { text: 'Failed and invalid records' }), failedBox]));
    document.body.appendChild(tip);
    renderControls(controls, jobId, path);
    var gridCodes = '';
    var failedCount = -1;
    var failed = failedTable(failedBox, path);
    attachGridTip(grid, tip, path, function () { return gridCodes; });
    function refresh() {
      return api(path).then(function (view) {
        if (my !== generation) return;
        renderSummary(summary, view);
        if (view.grid === undefined) {
          gridNote.textContent = '';
          gridNote.appendChild(el('div', { className: 'notice', text: 'This store has no listBatches method: the batch grid is not available. The batches in flight are listed below.' }));
        } else {
          gridCodes = view.grid;
          drawGrid(grid, gridCodes);
        }
        drawChart(chart, view.samples);
        renderInFlight(inFlight, view.inFlight);
        if (view.report.progress.failedRecords !== failedCount) {
          failedCount = view.report.progress.failedRecords;
          failed.reloadFirst();
        }
        stamp();
      }, function (error) { if (my === generation) showError(summary, error); });
    }
    schedule(refresh);
  }

  function stat(label, value, id) { return el('div', { id: id }, [el('span', { text: label }), el('b', { text: value })]); }

  function renderSummary(box, view) {
    var r = view.report;
    var p = r.progress;
    var b = r.batches;
    var prepare = r.prepare ? ' (prepare ' + r.prepare.state + ')' : '';
    clear(box);
    box.appendChild(el('div', { className: 'toolbar' }, [badge(r.phase), badge(r.status), el('span', { className: 'muted', text: prepare })]));
    box.appendChild(bar(p.processedRecords, p.failedRecords, p.totalRecords, true));
    box.appendChild(el('div', { className: 'stats' }, [
      stat('done', count(p.processedRecords + p.failedRecords) + ' / ' + count(p.totalRecords) + ' (' + Math.floor(p.percentage) + '%)', 'stat-done'),
      stat('processed', count(p.processedRecords), 'stat-processed'),
      stat('failed', count(p.failedRecords), 'stat-failed'),
      stat('rate', rate(view.recordsPerSecond), 'stat-rate'),
      stat('ETA', duration(view.etaMs), 'stat-eta'),
      stat('workers', count(r.activeWorkers), 'stat-workers'),
      stat('batches done', count(b.completedBatches + b.failedBatches) + ' / ' + count(b.totalBatches), 'stat-batches'),
      stat('batches failed', count(b.failedBatches), 'stat-batches-failed'),
      stat('age', r.createdAt ? duration(view.now - r.createdAt) : '-', 'stat-age')
    ]));
  }

  function renderControls(box, jobId, path) {
    clear(box);
    box.appendChild(el('h2', { text: 'Control' }));
    if (!info.controlEnabled) {
      box.appendChild(el('p', { className: 'muted', text: 'Read-only: start the dashboard with --allow-control and a token to pause, resume, cancel, redrive or purge.' }));
      return;
    }
    var token = el('input', { id: 'token', type: 'password', autocomplete: 'off', placeholder: 'control token', 'aria-label': 'control token' });
    token.value = sessionStorage.getItem(TOKEN_KEY) || '';
    token.addEventListener('change', function () { sessionStorage.setItem(TOKEN_KEY, token.value); });
    var result = el('span', { id: 'control-result', role: 'status' });
    var buttons = ['pause', 'resume', 'cancel', 'redrive', 'purge'].map(function (action) {
      var dangerous = action === 'cancel' || action === 'purge';
      var armed = null;
      var button = el('button', { id: 'action-' + action, className: dangerous ? 'danger' : '', text: action });
      button.addEventListener('click', function () {
        sessionStorage.setItem(TOKEN_KEY, token.value);
        if (dangerous && armed === null) {
          button.textContent = 'confirm ' + action;
          button.className = 'confirm';
          armed = setTimeout(function () { armed = null; button.textContent = action; button.className = 'danger'; }, 4000);
          return;
        }
        if (armed !== null) { clearTimeout(armed); armed = null; button.textContent = action; button.className = 'danger'; }
        result.textContent = action + '…';
        api(path + '/' + action, { method: 'POST' }).then(function (outcome) {
          result.textContent = action + ': done' + (outcome.newJobId ? ' (new job ' + outcome.newJobId + ')' : '');
          if (action === 'purge') location.hash = '#/';
        }, function (error) { result.textContent = action + ' refused: ' + error.message; });
      });
      return button;
    });
    box.appendChild(el('div', { className: 'toolbar' }, [token].concat(buttons).concat([result])));
  }

  function legend() {
    return el('div', { className: 'legend' }, Object.keys(CODE_NAMES).map(function (code) {
      var swatch = el('i');
      swatch.style.background = COLORS[code];
      return el('span', null, [swatch, CODE_NAMES[code]]);
    }));
  }

  function cellSize(n) { return n > 8000 ? 4 : n > 2000 ? 6 : n > 500 ? 9 : 14; }
  function drawGrid(canvas, codes) {
    var n = codes.length;
    var size = cellSize(n);
    var width = Math.max(200, canvas.parentNode.clientWidth - 28);
    var perRow = Math.max(1, Math.floor(width / size));
    var rows = Math.max(1, Math.ceil(n / perRow));
    canvas.width = perRow * size;
    canvas.height = rows * size;
    canvas.setAttribute('data-batches', String(n));
    canvas.setAttribute('data-codes', codes.length <= 4096 ? codes : '');
    var ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    var gap = size > 5 ? 1 : 0;
    for (var i = 0; i < n; i++) {
      ctx.fillStyle = COLORS[codes.charAt(i)] || '#000';
      ctx.fillRect((i % perRow) * size, Math.floor(i / perRow) * size, size - gap, size - gap);
    }
    canvas._perRow = perRow;
    canvas._size = size;
  }

  function attachGridTip(canvas, tip, path, codes) {
    var pending = null;
    var shown = -1;
    canvas.addEventListener('mouseleave', function () { tip.hidden = true; shown = -1; });
    canvas.addEventListener('mousemove', function (event) {
      var box = canvas.getBoundingClientRect();
      var size = canvas._size || 1;
      var x = Math.floor((event.clientX - box.left) * (canvas.width / box.width) / size);
      var y = Math.floor((event.clientY - box.top) * (canvas.height / box.height) / size);
      var index = y * (canvas._perRow || 1) + x;
      var all = codes();
      if (index < 0 || index >= all.length || x >= (canvas._perRow || 1)) { tip.hidden = true; shown = -1; return; }
      tip.style.left = (event.clientX + 12) + 'px';
      tip.style.top = (event.clientY + 12) + 'px';
      tip.hidden = false;
      if (index === shown) return;
      shown = index;
      tip.textContent = 'batch ' + index + ': ' + CODE_NAMES[all.charAt(index)];
      if (pending) clearTimeout(pending);
      pending = setTimeout(function () {
        api(path + '/batches?after=' + (index - 1) + '&limit=1').then(function (body) {
          var b = body.batches[0];
          if (!b || shown !== index) return;
          var lines = ['batch ' + b.batchIndex + ': ' + b.status,
            'records ' + (b.recordStartIndex + 1) + '–' + (b.recordEndIndex + 1) + ' (' + b.processedCount + ' processed, ' + b.failedCount + ' failed)',
            'attempt ' + b.attempt + (b.workerId ? ', worker ' + b.workerId : '')];
          if (b.heartbeatAgeMs !== undefined) lines.push('heartbeat ' + preciseDuration(b.heartbeatAgeMs) + ' ago');
          if (b.durationMs !== undefined) lines.push((b.status === 'PROCESSING' ? 'running for ' : 'took ') + preciseDuration(b.durationMs) + (b.attempt > 1 ? ' (last attempt)' : ''));
          if (b.completedAt !== undefined) lines.push('finished ' + new Date(b.completedAt).toLocaleTimeString());
          if (b.error) lines.push(b.error);
          tip.textContent = lines.join('\n');
        }, function () { /* the tip keeps the grid's own text */ });
      }, 120);
    });
  }

  function drawChart(canvas, samples) {
    var width = Math.max(200, canvas.parentNode.clientWidth - 28);
    canvas.width = width;
    var ctx = canvas.getContext('2d');
    var h = canvas.height;
    ctx.clearRect(0, 0, width, h);
    var points = [];
    for (var i = 1; i < samples.length; i++) {
      var dt = samples[i].at - samples[i - 1].at;
      if (dt > 0) points.push({ at: samples[i].at, rate: Math.max(0, (samples[i].done - samples[i - 1].done) * 1000 / dt) });
    }
    ctx.fillStyle = '#6b7383';
    ctx.font = '11px system-ui, sans-serif';
    if (points.length < 2) { ctx.fillText('collecting readings…', 8, 16); return; }
    var max = points.reduce(function (m, p) { return Math.max(m, p.rate); }, 1);
    var t0 = points[0].at;
    var span = Math.max(1, points[points.length - 1].at - t0);
    ctx.strokeStyle = '#d9dde5';
    ctx.beginPath(); ctx.moveTo(0, h - 16.5); ctx.lineTo(width, h - 16.5); ctx.stroke();
    ctx.strokeStyle = '#2f7de1';
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach(function (p, k) {
      var x = ((p.at - t0) / span) * (width - 10) + 5;
      var y = h - 18 - (p.rate / max) * (h - 36);
      if (k === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
    ctx.fillText('max ' + rate(max), 6, 12);
    ctx.fillText('last ' + duration(span), width - 80, h - 4);
  }

  function renderInFlight(box, batches) {
    clear(box);
    if (batches === undefined) { box.appendChild(el('p', { className: 'muted', text: 'This store cannot list batches in flight (no listBatchesInFlight).' })); return; }
    if (batches.length === 0) { box.appendChild(el('p', { className: 'muted', text: 'No batch is held by a worker now.' })); return; }
    var head = el('tr', null, ['Batch', 'Worker', 'Attempt', 'Heartbeat age', ''].map(function (h) { return el('th', { text: h }); }));
    box.appendChild(el('table', null, [el('thead', null, [head]), el('tbody', null, batches.map(function (b) {
      return el('tr', { className: b.stale ? 'stale' : '' }, [
        el('td', { text: String(b.batchIndex) }), el('td', { text: b.workerId }), el('td', { text: String(b.attempt) }),
        el('td', { text: duration(b.heartbeatAgeMs) }), el('td', { text: b.stale ? 'stale: its worker may be dead' : '' })]);
    }))]));
  }

  function failedTable(box, path) {
    var field = el('input', { id: 'failed-field', placeholder: 'field', 'aria-label': 'filter by field' });
    var code = el('input', { id: 'failed-code', placeholder: 'error code', 'aria-label': 'filter by error code' });
    var apply = el('button', { text: 'Filter' });
    var csv = el('a', { id: 'download-csv', href: 'api/' + path + '/failed.csv', download: '', text: 'Download CSV' });
    var ndjson = el('a', { id: 'download-ndjson', href: 'api/' + path + '/failed.ndjson', download: '', text: 'Download NDJSON' });
    var table = el('div', { id: 'failed-table' });
    var prev = el('button', { text: '← previous' });
    var next = el('button', { text: 'next →' });
    var where = el('span', { className: 'muted' });
    box.appendChild(el('div', { className: 'toolbar' }, [field, code, apply, csv, ndjson]));
    box.appendChild(table);
    box.appendChild(el('div', { className: 'pager' }, [prev, next, where]));
    var stack = [-1];
    var nextAfter;
    function load() {
      var after = stack[stack.length - 1];
      var query = path + '/failed?after=' + after + '&limit=25&field=' + encodeURIComponent(field.value.trim()) + '&code=' + encodeURIComponent(code.value.trim());
      api(query).then(function (page) {
        nextAfter = page.nextAfterIndex;
        renderFailed(table, page.records);
        prev.disabled = stack.length <= 1;
        next.disabled = nextAfter === undefined;
        where.textContent = 'page ' + stack.length;
      }, function (error) { showError(table, error); });
    }
    apply.addEventListener('click', function () { stack = [-1]; load(); });
    prev.addEventListener('click', function () { if (stack.length > 1) { stack.pop(); load(); } });
    next.addEventListener('click', function () { if (nextAfter !== undefined) { stack.push(nextAfter); load(); } });
    return { reloadFirst: function () { if (stack.length === 1) load(); } };
  }

  function renderFailed(box, records) {
    clear(box);
    if (records.length === 0) { box.appendChild(el('p', { className: 'muted', text: 'No failed or invalid record.' })); return; }
    var head = el('tr', null, ['Row', 'Status', 'Errors', 'Record'].map(function (h) { return el('th', { text: h }); }));
    box.appendChild(el('table', null, [el('thead', null, [head]), el('tbody', null, records.map(function (r) {
      var errors = r.errors.map(function (e) { return e.field + ' [' + e.code + ']: ' + e.message; });
      if (r.processingError) errors.push(r.processingError);
      var raw = Object.keys(r.raw).map(function (key) {
        var value = r.raw[key];
        return key + ': ' + (typeof value === 'string' ? value : JSON.stringify(value));
      }).join('\n');
      return el('tr', { 'data-row': r.row }, [el('td', { className: 'num', text: String(r.row) }), el('td', { text: r.status }),
        el('td', { text: errors.join('; ') }), el('td', { className: 'raw', text: raw })]);
    }))]));
  }

  function route() {
    var hash = location.hash || '#/';
    var match = /^#\/job\/(.+)$/.exec(hash);
    document.querySelectorAll('.tip').forEach(function (t) { t.remove(); });
    if (match) jobPage(decodeURIComponent(match[1]));
    else jobsPage();
  }

  api('info').then(function (body) {
    info = body;
    var mode = document.getElementById('mode');
    mode.textContent = info.controlEnabled ? 'control enabled' : 'read-only';
    if (info.controlEnabled) mode.className = 'mode control';
    window.addEventListener('hashchange', route);
    route();
  }, function (error) { showError(main, error); });
})();
`;
