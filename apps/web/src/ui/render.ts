// Draws the state: run cards, the four charts, the saved-model table and the log.
import type { SavedModelInfo } from '../protocol';
import { renderBarChart, renderLineChart, type BarGroup, type Series } from './charts';
import { BASELINE_METHOD } from '../protocol';
import { accuracyLabel, formatBytes, formatFlops, formatMs, formatPercent, methodColor } from './format';
import { meanStepMs, type AppState, type RunView } from './state';

const $ = <T extends Element>(sel: string) => document.querySelector(sel) as T;

/** Text for HTML (method names and details come from plugins). */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function runLabel(r: RunView): string {
  return r.method;
}

function lastLoss(r: RunView, n = 5): number {
  const tail = r.steps.slice(-n);
  return tail.length ? tail.reduce((s, p) => s + p.loss, 0) / tail.length : Number.NaN;
}

function ratioText(ratio: number): string {
  if (!Number.isFinite(ratio)) return '—';
  return ratio >= 1 ? `${ratio.toFixed(1)}× less` : `${(1 / ratio).toFixed(2)}× more`;
}

function runCard(r: RunView): string {
  const color = methodColor(r.method);
  const done = r.steps.length;
  const pct = Math.min(100, (100 * done) / Math.max(1, r.totalSteps));
  const last = r.evals.at(-1);
  const m = r.memory;
  const ratio = m && m.analyticBytes > 0 ? m.vanillaBytes / m.analyticBytes : Number.NaN;
  const status = r.end ? (r.end.stopped ? 'stopped' : 'done') : `step ${done} of ${r.totalSteps}`;
  const layers = r.layers
    .map((l) => `<span class="layer" data-role="${l.role}" data-method="${escapeHtml(l.method)}">${escapeHtml(l.name)} (${l.kind}${l.method !== r.method ? `, ${escapeHtml(l.method)}` : ''}; ${escapeHtml(l.detail)})</span>`)
    .join(' · ');
  const plan = r.plan ? `<div class="plan" title="the method's planner">plan: ${escapeHtml(r.plan.summary)}</div>` : '';
  return `<div class="run-card" data-method="${escapeHtml(r.method)}">
    <h3><span class="swatch" style="background:${color}"></span>${escapeHtml(r.method)}<span class="sub">${status} · ${r.protocol} protocol</span></h3>
    <div class="progress"><div style="width:${pct.toFixed(1)}%;background:${color}"></div></div>
    <dl>
      <dt>loss, mean of the last 5 steps</dt><dd class="v-loss">${Number.isFinite(lastLoss(r)) ? lastLoss(r).toFixed(3) : '—'}</dd>
      <dt class="t-acc">${accuracyLabel(last?.step ?? null)}</dt><dd class="v-acc">${formatPercent(last?.top1 ?? null)}</dd>
      <dt>memory kept for backward, computed</dt><dd class="v-mem-analytic">${m ? formatBytes(m.analyticBytes) : '—'}</dd>
      <dt>memory kept for backward, measured</dt><dd class="v-mem-measured">${m ? formatBytes(m.measuredBytes) : '—'}</dd>
      <dt>memory vs ${BASELINE_METHOD} (computed)</dt><dd class="v-ratio">${r.method === BASELINE_METHOD ? 'reference' : ratioText(ratio)}</dd>
      <dt>compute per training step</dt><dd>${m ? formatFlops(m.trainingFlops) : '—'}</dd>
      <dt>time per step</dt><dd class="v-ms">${formatMs(meanStepMs(r))}</dd>
    </dl>
    ${plan}<div class="layers">${r.trainImages} training images · ${layers}</div>
  </div>`;
}

/** Redraws everything from the state. */
export function render(state: AppState): void {
  const badge = $<HTMLElement>('#backend-badge');
  badge.textContent = `backend: ${state.backend ?? 'starting…'}${state.threads == null ? '' : `, ${state.threads} thread${state.threads === 1 ? '' : 's'}`}`;
  badge.dataset.backend = state.backend ?? '';
  const sb = $<HTMLElement>('#state-badge');
  sb.textContent = state.runState;
  sb.classList.toggle('running', state.runState === 'running' || state.runState === 'preparing');

  const summary = $<HTMLElement>('#summary');
  summary.innerHTML = state.runs.length
    ? state.runs.map(runCard).join('')
    : `<p class="empty">Press <b>Start</b> to fine-tune. With the side-by-side option, vanilla runs first and then the chosen method, on the same data and seed.</p>`;

  const lossSeries: Series[] = state.runs.map((r) => ({ label: runLabel(r), color: methodColor(r.method), points: r.steps.map((p) => [p.step, p.loss]) }));
  renderLineChart($('#chart-loss'), lossSeries, { xLabel: 'step', integerX: true, empty: 'loss appears here after the first step' });
  const accSeries: Series[] = state.runs.map((r) => ({ label: runLabel(r), color: methodColor(r.method), points: r.evals.map((e) => [e.step, 100 * e.top1]), dots: true }));
  renderLineChart($('#chart-acc'), accSeries, { xLabel: 'step', integerX: true, yRange: [0, 100], yFormat: (v) => `${v}%`, empty: 'accuracy appears after the first evaluation' });
  const timeSeries: Series[] = state.runs.map((r) => ({ label: runLabel(r), color: methodColor(r.method), points: r.steps.map((p) => [p.step, p.ms]) }));
  renderLineChart($('#chart-time'), timeSeries, { xLabel: 'step', integerX: true, yInclude: 0, yFormat: (v) => `${v} ms`, empty: 'step times appear here' });
  const groups: BarGroup[] = state.runs
    .filter((r) => r.memory)
    .map((r) => ({
      label: runLabel(r),
      color: methodColor(r.method),
      bars: [
        { name: 'computed', value: r.memory!.analyticBytes },
        { name: 'measured', value: r.memory!.measuredBytes },
      ],
    }));
  renderBarChart($('#chart-mem'), groups, { format: formatBytes, tickUnit: (max) => (max >= 1024 * 1024 ? 1024 * 1024 : max >= 1024 ? 1024 : 1), empty: 'memory appears after the first step' });

  renderSaved(state.saved, state.runState);
  const loaded = state.loaded;
  $<HTMLElement>('#loaded').textContent = loaded
    ? `Loaded ${loaded.url.slice('indexeddb://'.length)}: ${loaded.architecture}, ${loaded.numClasses} classes` +
      (loaded.top1 != null ? `, accuracy ${formatPercent(loaded.top1)} on ${loaded.testImages} held-out images` : '') +
      '. It is now selectable as the model to fine-tune.'
    : '';
  const log = $<HTMLElement>('#log');
  log.textContent = state.log.join('\n');
  const err = $<HTMLElement>('#error');
  err.hidden = state.errors.length === 0;
  err.textContent = state.errors.at(-1) ?? '';
}

function renderSaved(models: SavedModelInfo[], runState: string): void {
  const body = $<HTMLTableSectionElement>('#saved tbody');
  if (models.length === 0) {
    body.innerHTML = `<tr><td colspan="6" class="hint">None yet: every finished run is saved here.</td></tr>`;
    return;
  }
  const busy = runState !== 'idle';
  body.innerHTML = models
    .map((m) => {
      const md = m.metadata as { method?: string; steps?: number; top1?: number; activationBytes?: { analytic?: number; measured?: number } };
      const act = md.activationBytes;
      return `<tr data-url="${m.url}">
        <td title="${m.url}">${new Date(m.dateSaved).toLocaleString()}</td>
        <td>${escapeHtml(md.method ?? '?')}</td>
        <td>${md.steps ?? '—'}</td>
        <td>${formatPercent(md.top1 ?? null)}</td>
        <td>${act ? `${formatBytes(act.analytic ?? Number.NaN)} · ${formatBytes(act.measured ?? Number.NaN)}` : '—'}</td>
        <td class="actions">
          <button type="button" data-action="load" ${busy ? 'disabled' : ''}>Load</button>
          <button type="button" data-action="download">Download</button>
          <button type="button" data-action="delete" ${busy ? 'disabled' : ''}>Delete</button>
        </td>
      </tr>`;
    })
    .join('');
}
