// The console's only script: the live tail (Server-Sent Events) and the service charts (uPlot).
// Pages work without it; it adds what a server-rendered page cannot do by itself.
'use strict';

function startTail(section) {
  const rows = section.querySelector('.tail-rows');
  const state = section.querySelector('.tail-state');
  const toggle = section.querySelector('.tail-toggle');
  let source = null;
  let paused = false;
  const show = (name) => { state.textContent = state.dataset[name]; };
  const open = () => {
    source = new EventSource(section.dataset.stream);
    show('connecting');
    source.addEventListener('open', () => show('on'));
    source.addEventListener('exchange', (event) => {
      const { html } = JSON.parse(event.data);
      // The row is rendered (and escaped) by the server, as the table below is.
      rows.insertAdjacentHTML('afterbegin', html);
      rows.firstElementChild.classList.add('fresh');
      while (rows.children.length > 200) rows.lastElementChild.remove();
    });
    source.addEventListener('error', () => show('connecting'));
  };
  toggle.addEventListener('click', () => {
    paused = !paused;
    toggle.textContent = paused ? toggle.dataset.resume : toggle.dataset.pause;
    toggle.setAttribute('aria-pressed', String(paused));
    if (paused) { source.close(); show('paused'); } else open();
  });
  open();
}

function drawChart(element) {
  if (typeof uPlot === 'undefined') return;
  const data = JSON.parse(element.dataset.series);
  const labels = JSON.parse(element.dataset.labels);
  const language = document.body.dataset.language === 'en' ? 'en-GB' : 'id-ID';
  const zone = element.dataset.timeZone;
  const time = new Intl.DateTimeFormat(language, { timeZone: zone, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  const number = new Intl.NumberFormat(language, { maximumFractionDigits: 1 });
  const width = () => Math.max(280, element.clientWidth - 16);
  const chart = new uPlot({
    width: width(), height: 220,
    series: [
      { value: (u, v) => (v == null ? '' : time.format(v * 1000)) },
      { label: labels.volume, stroke: '#0b4f8a', value: (u, v) => (v == null ? '' : number.format(v)) },
      { label: labels.errors, stroke: '#b42318', value: (u, v) => (v == null ? '' : number.format(v)) },
      { label: labels.p95, stroke: '#9a6700', scale: 'ms', value: (u, v) => (v == null ? '' : number.format(v)) },
    ],
    axes: [
      { values: (u, ticks) => ticks.map((t) => time.format(t * 1000)) },
      { values: (u, ticks) => ticks.map((t) => number.format(t)) },
      { side: 1, scale: 'ms', grid: { show: false }, values: (u, ticks) => ticks.map((t) => number.format(t)) },
    ],
  }, data, element);
  window.addEventListener('resize', () => chart.setSize({ width: width(), height: 220 }));
}

document.querySelectorAll('[data-stream]').forEach(startTail);
document.querySelectorAll('[data-series]').forEach(drawChart);
