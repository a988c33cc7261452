// Two small inline-SVG charts (no library): recipients per UTC+8 day (free vs paid, stacked) and the
// balance over account time (a step line from the ledger; the balance is always the ledger's sum).

import { h, s, usd, when } from "./api.js";

const W = 560;
const H = 200;
const M = { l: 52, r: 12, t: 12, b: 26 };

function niceCeil(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((x) => x >= v);
}

function frame(label) {
  return s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label, class: "svg-chart", preserveAspectRatio: "xMidYMid meet" });
}

function yAxis(svg, max, fmt) {
  for (const f of [0, 0.5, 1]) {
    const y = M.t + (H - M.t - M.b) * (1 - f);
    svg.append(
      s("line", { x1: M.l, x2: W - M.r, y1: y, y2: y, class: "grid" }),
      s("text", { x: M.l - 6, y: y + 4, "text-anchor": "end", class: "tick" }, fmt(max * f)),
    );
  }
}

const dayKey = (d) => d.toISOString().slice(0, 10);

/** usage: [{day: "2026-01-05", free_units, paid_units}], today: "2026-01-07" (account clock, UTC+8). */
export function usageChart(el, usage, today) {
  const byDay = new Map(usage.map((u) => [u.day, u]));
  const end = new Date(`${today}T00:00:00Z`);
  const first = usage.length ? new Date(`${usage[0].day}T00:00:00Z`) : end;
  const span = Math.min(31, Math.max(7, Math.round((end - first) / 86_400_000) + 2));
  const days = Array.from({ length: span }, (_, i) => dayKey(new Date(end.getTime() - (span - 1 - i) * 86_400_000)));
  const max = niceCeil(Math.max(0, ...days.map((d) => (byDay.get(d)?.free_units ?? 0) + (byDay.get(d)?.paid_units ?? 0))));
  const svg = frame("Recipients per day, free and paid");
  const fmt = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  yAxis(svg, max, fmt);
  const plotH = H - M.t - M.b;
  const step = (W - M.l - M.r) / days.length;
  const bw = Math.max(2, step * 0.7);
  days.forEach((d, i) => {
    const u = byDay.get(d) || { free_units: 0, paid_units: 0 };
    const x = M.l + i * step + (step - bw) / 2;
    const fh = (u.free_units / max) * plotH;
    const ph = (u.paid_units / max) * plotH;
    const tip = s("title", {}, `${d}: ${u.free_units} free, ${u.paid_units} paid`);
    const g = s("g", { class: "day", "data-day": d }, tip);
    if (fh > 0) g.append(s("rect", { x, y: M.t + plotH - fh, width: bw, height: fh, class: "free" }));
    if (ph > 0) g.append(s("rect", { x, y: M.t + plotH - fh - ph, width: bw, height: ph, class: "paid" }));
    g.append(s("rect", { x: M.l + i * step, y: M.t, width: step, height: plotH, class: "hit" }));
    svg.append(g);
    const every = Math.ceil(days.length / 7);
    if ((days.length - 1 - i) % every === 0) {
      svg.append(s("text", { x: M.l + i * step + step / 2, y: H - 8, "text-anchor": "middle", class: "tick" }, d.slice(5)));
    }
  });
  el.replaceChildren(svg);
}

/** micro-USD → "0.00028", "12.50": at least two decimals, no trailing zeros beyond them. */
function money(micro) {
  const [i, f] = usd(Math.round(micro)).split(".");
  return `${i}.${f.replace(/0+$/, "").padEnd(2, "0")}`;
}

/** ledger: [{account_time, amount_micro, kind, note}], now: the account clock (ISO). */
export function balanceChart(el, ledger, now) {
  const entries = [...ledger].sort((a, b) => Date.parse(a.account_time) - Date.parse(b.account_time) || a.id - b.id);
  if (!entries.length) {
    el.replaceChildren(h("p", { class: "empty" }, "No top-ups or charges yet."));
    return;
  }
  let bal = 0;
  const pts = entries.map((e) => ({ t: Date.parse(e.account_time), bal: (bal += e.amount_micro), e }));
  const t0 = pts[0].t;
  const t1 = Math.max(Date.parse(now), pts[pts.length - 1].t, t0 + 3_600_000);
  const max = niceCeil(Math.max(...pts.map((p) => p.bal)));
  const svg = frame("Balance over time");
  yAxis(svg, max, money);
  const plotH = H - M.t - M.b;
  const x = (t) => M.l + ((t - t0) / (t1 - t0)) * (W - M.l - M.r);
  const y = (b) => M.t + plotH * (1 - b / max);
  let d = `M${x(t0)},${y(0)}`;
  for (const p of pts) d += `H${x(p.t)}V${y(p.bal)}`;
  d += `H${x(t1)}`;
  svg.append(s("path", { d: `${d}V${y(0)}H${x(t0)}Z`, class: "area" }), s("path", { d, class: "line" }));
  for (const p of pts) {
    svg.append(
      s(
        "circle",
        { cx: x(p.t), cy: y(p.bal), r: 3.5, class: `pt ${p.e.kind}` },
        s("title", {}, `${when(p.e.account_time)} ${p.e.kind} ${p.e.amount_micro > 0 ? "+" : ""}${usd(p.e.amount_micro)} → ${usd(p.bal)} USD`),
      ),
    );
  }
  svg.append(
    s("text", { x: M.l, y: H - 8, class: "tick" }, when(new Date(t0 + 8 * 3600_000).toISOString()).slice(0, 10)),
    s("text", { x: W - M.r, y: H - 8, "text-anchor": "end", class: "tick" }, `${when(now).slice(0, 16)} now`),
  );
  el.replaceChildren(svg);
}
