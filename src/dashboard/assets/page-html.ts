/**
 * The dashboard's page: a shell that loads `app.css` and `app.js` (relative paths, so the page
 * works under any mount path) and nothing else: no inline script or style, no CDN.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>batchactions dashboard</title>
<link rel="stylesheet" href="app.css">
<script src="app.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="#/">batchactions dashboard</a>
  <span id="mode" class="mode"></span>
  <span id="live" class="live" title="time of the last refresh"></span>
</header>
<main id="main"><p class="muted">Loading…</p></main>
<noscript>The dashboard needs JavaScript (served by the dashboard itself, nothing from elsewhere).</noscript>
</body>
</html>
`;
