/** The HTML shells of the two pages; web/predictPage.ts and web/dashboardPage.ts fill them. */

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
header.top { background: #24292f; color: #fff; padding: 10px 20px; display: flex; gap: 18px; align-items: baseline; flex-wrap: wrap; }
header.top h1 { font-size: 18px; margin: 0; } header.top span { font-size: 13px; color: #d0d7de; }
main { padding: 16px 20px; max-width: 1300px; }
#status { font-size: 13px; color: #57606a; margin: 6px 0 12px; }
.bar { display: inline-block; width: 160px; height: 10px; background: #eaeef2; border-radius: 5px; overflow: hidden; vertical-align: middle; }
.bar > span { display: block; height: 100%; background: #2f81f7; }
`;

/** The predict page; `hold` is the id of the image that holds its load event (with ?image=). */
export const predictHtml = (title: string, hold: string | undefined): string => `<!doctype html>
<html lang="en" data-status="loading"${hold === undefined ? '' : ` data-hold="${escape(hold)}"`}><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>awmtl: ${escape(title)}</title>
<style>${STYLE}
#drop { display: block; border: 2px dashed #8c959f; border-radius: 8px; padding: 18px; text-align: center; background: #fff; }
#drop.over { border-color: #2f81f7; background: #ddf4ff; }
#controls { display: flex; gap: 12px; align-items: center; margin-bottom: 12px; } #controls #drop { flex: 1; }
video { max-width: 320px; border-radius: 6px; }
#results { display: flex; flex-wrap: wrap; gap: 14px; }
.result { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 12px; }
.result header { display: flex; gap: 10px; align-items: center; } .result h2 { font-size: 14px; margin: 0; word-break: break-all; }
canvas.input { width: 64px; height: 64px; image-rendering: pixelated; border-radius: 4px; }
.tasks { columns: 2; column-gap: 18px; font-size: 12px; margin-top: 8px; }
.task { break-inside: avoid; display: grid; grid-template-columns: 140px 110px auto; gap: 6px; align-items: center; padding: 1px 0; }
.task .bar, .class .bar { width: 110px; } .task .value { font-variant-numeric: tabular-nums; }
.classes { grid-column: 1 / -1; padding-left: 14px; color: #57606a; }
.class { display: grid; grid-template-columns: 126px 110px auto; gap: 6px; align-items: center; } .class.top { color: #222; font-weight: 600; }
</style></head><body>
<header class="top"><h1>awmtl</h1><span id="model"></span><span id="backend"></span></header>
<main>
<div id="controls">
<label id="drop">Drop images here, or pick them: <input id="files" type="file" accept="image/*" multiple></label>
<button id="camera" type="button">Use the camera</button><button id="snap" type="button" hidden>Take a photo</button>
</div>
<video id="video" hidden muted playsinline></video>
<div id="status">loading…</div>
<section id="results"></section>
</main>
${hold === undefined ? '' : `<img src="/hold?id=${encodeURIComponent(hold)}" alt="" width="1" height="1" style="position:absolute;left:-9px">`}
<script type="module" src="/app.js"></script>
</body></html>
`;

export const dashboardHtml = (title: string): string => `<!doctype html>
<html lang="en" data-status="connecting"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>awmtl dashboard: ${escape(title)}</title>
<style>${STYLE}
.progress { display: flex; gap: 22px; align-items: center; flex-wrap: wrap; font-size: 14px; margin-bottom: 6px; }
.progress .bar { width: 320px; height: 14px; border-radius: 7px; } .progress b { font-variant-numeric: tabular-nums; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 8px 12px; margin: 12px 0; overflow-x: auto; }
section h2 { font-size: 15px; margin: 4px 0 8px; }
svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 12px; } td, th { border: 1px solid #ddd; padding: 2px 8px; text-align: right; }
td:first-child, th:first-child { text-align: left; } th { background: #f4f4f4; }
#decisions { font-size: 12px; max-height: 190px; overflow-y: auto; margin: 0; padding: 0; list-style: none; }
#evaluation p { font-size: 13px; margin: 0 0 6px; }
.task-losses { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); column-gap: 14px; font-size: 11px; max-height: 160px; overflow-y: auto; }
.task-losses span { display: flex; justify-content: space-between; } .task-losses b { font-weight: normal; font-variant-numeric: tabular-nums; }
.skipped { color: #9a6700; } .updated { color: #1a7f37; }
.split { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 12px; } .split section { margin: 0; }
</style></head><body>
<header class="top"><h1>awmtl dashboard</h1><span id="run">${escape(title)}</span><span id="connection">connecting…</span></header>
<main>
<div class="progress"><span class="bar"><span id="progress-bar" style="width:0%"></span></span>
<span>iteration <b id="iteration">0</b> / <b id="total">?</b></span><span><b id="rate">–</b> it/s</span><span>ETA <b id="eta">–</b></span><span id="finished"></span></div>
<div class="split">
<section><h2>Last evaluation</h2><div id="evaluation">none yet</div></section>
<section><h2>Strategy decisions <span id="decision-counts"></span></h2><ul id="decisions"></ul></section>
</div>
<section><h2>Task weights</h2><div id="weights" class="chart"></div></section>
<section><h2>Loss</h2><div id="losses" class="chart"></div><div id="accuracy" class="chart"></div></section>
<section><h2>Per-task loss</h2><div id="task-losses" class="chart"></div></section>
</main>
<script type="module" src="/app.js"></script>
</body></html>
`;
