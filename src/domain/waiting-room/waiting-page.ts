/**
 * The waiting page: plain HTML and one small script, served by the app (no
 * build step, no third-party code). It follows the ticket's event stream and
 * falls back to polling; `data-transport` on the body says which it uses now. The ticket (reference + secret) arrives in
 * the URL fragment, which never reaches a server or a log, and is kept in
 * sessionStorage so a reload keeps working; the fragment is then cleared from
 * the address bar. Elements carry ids and `data-state` for people and tests alike.
 */
export const WAITING_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Waiting room</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1b1b1b; }
  h1 { font-size: 1.4rem; }
  .big { font-size: 2.5rem; font-weight: 700; }
  .panel { border: 1px solid #ccc; border-radius: .5rem; padding: 1rem 1.25rem; margin: 1rem 0; }
  .ok { border-color: #2e7d32; background: #edf7ee; }
  .gone { border-color: #b71c1c; background: #fdecea; }
  [hidden] { display: none !important; }
  code { word-break: break-all; font-size: .8rem; }
</style>
</head>
<body data-state="loading">
<h1>Waiting room</h1>
<p id="message" role="status" aria-live="polite">Loading your place…</p>
<form id="join" class="panel" hidden>
  <label>E-mail <input id="email" type="email" required autocomplete="email"></label>
  <button type="submit">Join the queue</button>
</form>
<div id="waiting" class="panel" hidden>
  <div>Your place in line</div>
  <div class="big" id="position">–</div>
  <div>About <span id="wait">–</span> to go. This page updates by itself; keep it open.</div>
  <div id="opens" hidden>The sale opens at <span id="opens-at"></span>.</div>
</div>
<div id="admitted" class="panel ok" hidden>
  <strong>It is your turn.</strong> Book or hold your seats before <span id="admitted-until"></span>;
  after that your turn passes to the next buyer. Your admission (the shop sends it for you, as the
  <code>Queue-Admission</code> header): <code id="admission"></code>
  <p id="used" hidden>Your admission has been used.</p>
</div>
<div id="sold-out" class="panel gone" hidden><strong>Sold out.</strong> Every seat is taken. If seats come back, this page tells you.</div>
<div id="expired" class="panel gone" hidden><strong>Your turn has passed.</strong> The admission was not used in time, or the queue lost your place (it restarted). You can join the queue again.</div>
<script src="/api/v1/waiting-room/page.js"></script>
</body>
</html>
`;

export const WAITING_PAGE_SCRIPT = `'use strict';
(function () {
  var STORE = 'seatguard.queueTicket';
  var API = '/api/v1';
  var $ = function (id) { return document.getElementById(id); };
  var params = new URLSearchParams(location.search);
  var fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get('ref') && fragment.get('secret')) {
    sessionStorage.setItem(STORE, JSON.stringify({ ref: fragment.get('ref'), secret: fragment.get('secret') }));
    history.replaceState(null, '', location.pathname + location.search);
  }
  var ticket = JSON.parse(sessionStorage.getItem(STORE) || 'null');
  var etag = null;
  var last = null;

  function show(state, message) {
    document.body.setAttribute('data-state', state);
    $('message').textContent = message;
    ['waiting', 'admitted', 'sold-out', 'expired', 'join'].forEach(function (id) { $(id).hidden = id !== state; });
  }
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '–';
    if (seconds < 60) return seconds + ' s';
    return Math.round(seconds / 60) + ' min';
  }
  function render(t) {
    if (t.status === 'waiting') {
      $('position').textContent = t.position === null ? 'drawn at the opening' : String(t.position);
      $('wait').textContent = duration(t.estimatedWaitSeconds);
      $('opens').hidden = !t.opensAt;
      if (t.opensAt) $('opens-at').textContent = new Date(t.opensAt).toLocaleString();
      show('waiting', 'You are in the queue.');
    } else if (t.status === 'admitted') {
      $('admission').textContent = t.admission.token;
      $('admitted-until').textContent = new Date(t.admission.expiresAt).toLocaleTimeString();
      $('used').hidden = t.admission.usable;
      show('admitted', 'It is your turn: book now.');
    } else if (t.status === 'sold_out') {
      show('sold-out', 'Sold out.');
    } else {
      show('expired', 'Your turn has passed.');
    }
  }
  // The ticket's event stream tells each change at once (fetch, as EventSource cannot send the secret in a header,
  // and a secret never goes in a URL); polling with pollAfterMs is the fallback: a browser without readable
  // streams, a proxy that buffers, or a stream that keeps failing. A sold-out ticket is polled, slowly: returned
  // seats may reopen the room.
  var streamFailures = 0;
  function settled(t) { return t.status === 'expired' || (t.status === 'admitted' && !t.admission.usable); }
  function live(t) { return t.status === 'waiting' || (t.status === 'admitted' && t.admission.usable); }
  function via(transport) { document.body.setAttribute('data-transport', transport); }
  function lost() {
    if (sessionStorage.getItem(STORE)) return false;
    ticket = null;
    start();
    return true;
  }
  function follow() {
    if (streamFailures < 3 && window.ReadableStream && window.TextDecoder) listen();
    else poll();
  }
  function listen() {
    var failure = null;
    via('stream');
    fetch(API + '/queue/' + encodeURIComponent(ticket.ref) + '/events', {
      headers: { Authorization: 'Bearer ' + ticket.secret, Accept: 'text/event-stream' },
      cache: 'no-store',
    })
      .then(function (res) {
        if (res.status === 404) { sessionStorage.removeItem(STORE); throw new Error('unknown ticket'); }
        if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
        var reader = res.body.getReader();
        var decoder = new TextDecoder();
        var buffer = '';
        function block(text) {
          var type = 'message';
          var data = [];
          text.split('\\n').forEach(function (line) {
            if (line.indexOf('event:') === 0) type = line.slice(6).trim();
            else if (line.indexOf('data:') === 0) data.push(line.slice(5).replace(/^ /, ''));
          });
          if (!data.length) return; // a keep-alive comment
          var body = JSON.parse(data.join('\\n'));
          if (type === 'error') { failure = body; return; }
          streamFailures = 0;
          last = body;
          render(body);
        }
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) return;
            buffer += decoder.decode(chunk.value, { stream: true });
            for (var end = buffer.indexOf('\\n\\n'); end >= 0; end = buffer.indexOf('\\n\\n')) {
              block(buffer.slice(0, end));
              buffer = buffer.slice(end + 2);
            }
            return pump();
          });
        }
        return pump();
      })
      .then(function () {
        // Ended by the server: after a final status, on an error event, or because its instance is stopping.
        if (failure) return retry(failure.message, (failure.retryAfterSeconds || 2) * 1000);
        if (last && settled(last)) return;
        setTimeout(poll, last ? last.pollAfterMs : 1000);
      })
      .catch(function (error) {
        if (lost()) return;
        streamFailures++;
        retry(error.message, 2000);
      });
  }
  function retry(why, afterMs) {
    $('message').textContent = 'Connection trouble, retrying… (' + why + ')';
    setTimeout(poll, afterMs);
  }
  function poll() {
    via('poll');
    var headers = { Authorization: 'Bearer ' + ticket.secret };
    if (etag) headers['If-None-Match'] = etag;
    fetch(API + '/queue/' + encodeURIComponent(ticket.ref), { headers: headers, cache: 'no-store' })
      .then(function (res) {
        if (res.status === 304) return last;
        if (res.status === 404) { sessionStorage.removeItem(STORE); throw new Error('unknown ticket'); }
        if (!res.ok) throw new Error('HTTP ' + res.status);
        etag = res.headers.get('ETag');
        return res.json();
      })
      .then(function (t) {
        last = t;
        render(t);
        if (live(t)) return follow();
        if (!settled(t)) setTimeout(poll, t.pollAfterMs || 1000);
      })
      .catch(function (error) {
        if (lost()) return;
        retry(error.message, 2000);
      });
  }
  function start() {
    if (ticket) return follow();
    var eventId = params.get('event');
    if (!eventId) return show('expired', 'No queue ticket here: open the link the shop gave you.');
    show('join', 'Join the queue for this sale.');
    $('join').onsubmit = function (e) {
      e.preventDefault();
      fetch(API + '/events/' + encodeURIComponent(eventId) + '/queue', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ customerEmail: $('email').value }),
      })
        .then(function (res) { return res.json().then(function (body) { return { ok: res.ok, body: body }; }); })
        .then(function (r) {
          if (!r.ok) { $('message').textContent = r.body.message; return; }
          ticket = { ref: r.body.reference, secret: r.body.secret };
          sessionStorage.setItem(STORE, JSON.stringify(ticket));
          follow();
        });
    };
  }
  start();
})();
`;
