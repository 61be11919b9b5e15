/** The dashboard's style sheet (served as `app.css`; a strict CSP forbids inline styles). */
export const PAGE_STYLE = `
:root { --fg: #1d2430; --muted: #6b7383; --line: #d9dde5; --bg: #f6f7f9; --card: #fff;
  --pending: #c9ced8; --paused: #9aa6ff; --running: #2f7de1; --stale: #f08c00; --done: #2fa764;
  --warn: #b5c93a; --failed: #d6384b; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
a { color: #1f5fbf; }
.top { display: flex; align-items: center; gap: 16px; padding: 10px 20px; background: #1d2430; color: #fff; }
.top .brand { color: #fff; font-weight: 600; text-decoration: none; }
.mode { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #39445a; }
.mode.control { background: #8a3b12; }
.live { margin-left: auto; font-size: 12px; color: #b9c1cf; }
main { padding: 16px 20px; max-width: 1400px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; margin-bottom: 14px; }
.card h2 { font-size: 15px; margin: 0 0 10px; }
.toolbar { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin-bottom: 12px; }
input, select, button { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
button { cursor: pointer; }
button:disabled { cursor: default; opacity: .5; }
button.danger { border-color: var(--failed); color: var(--failed); }
button.confirm { background: var(--failed); color: #fff; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.raw { white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: 12px; max-width: 520px; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.notice { background: #fff7e0; border: 1px solid #f0d58a; padding: 8px 12px; border-radius: 6px; margin-bottom: 12px; }
.error { background: #fdecee; border: 1px solid #f1b3bb; padding: 8px 12px; border-radius: 6px; margin-bottom: 12px; }
.bar { position: relative; height: 10px; min-width: 120px; background: var(--pending); border-radius: 5px; overflow: hidden; }
.bar > span { position: absolute; top: 0; bottom: 0; left: 0; }
.bar > .ok { background: var(--done); }
.bar > .ko { background: var(--failed); }
.bar.big { height: 18px; border-radius: 9px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #e6e9ef; }
.badge.processing { background: #dbe8fb; color: #1a4f96; }
.badge.waiting-for-workers { background: #fff0d6; color: #8a5a00; }
.badge.paused { background: #e6e8ff; color: #3a43a8; }
.badge.preparing { background: #eef0f4; }
.badge.finished { background: #ddf3e5; color: #1b6b3e; }
.badge.FAILED, .badge.ABORTED { background: #fbe1e4; color: #99202f; }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px 16px; margin-top: 10px; }
.stats div span { display: block; font-size: 12px; color: var(--muted); }
.stats div b { font-size: 16px; font-variant-numeric: tabular-nums; }
canvas { display: block; max-width: 100%; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; font-size: 12px; color: var(--muted); margin-top: 6px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; vertical-align: -1px; }
.tip { position: fixed; pointer-events: none; background: #1d2430; color: #fff; font-size: 12px; padding: 6px 8px; border-radius: 4px; white-space: pre; z-index: 10; }
tr.stale td { background: #fff1dc; }
.pager { display: flex; gap: 8px; align-items: center; margin-top: 8px; }
.columns { display: grid; grid-template-columns: 2fr 1fr; gap: 14px; }
@media (max-width: 900px) { .columns { grid-template-columns: 1fr; } }
`;
