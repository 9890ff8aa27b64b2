/* newsingest explorer: a single page over the query API (v1), hash-routed:
 *   #/                      start
 *   #/entity/<id>?from=&to=&interval=day|week
 *   #/article/<id>
 *   #/story/<id>
 *   #/day/<YYYY-MM-DD>
 *   #/compare?ids=<id>,<id>,<id>&from=&to=&interval=
 * Every call goes to this page's own origin (/v1/...): the explorer server signs and forwards it.
 * No dependencies; the DOM is built with createElement/textContent only (no HTML from data).
 */
"use strict";

(() => {
  const API = "/v1";
  const SUGGESTIONS = 8;
  const PAGE = 20;
  const CSV_PAGE = 100;
  const CSV_MAX_PAGES = 50;
  const MAX_COMPARED = 3;
  const SERIES = [
    { color: "#0072B2", dash: "" },
    { color: "#D55E00", dash: "6 3" },
    { color: "#009E73", dash: "2 3" },
  ];
  const TYPE_LABELS = {
    person: "person", organization: "organisation", location: "place", group: "group", event: "event", other: "other",
  };
  const SVG_NS = "http://www.w3.org/2000/svg";

  // ---- Small helpers ------------------------------------------------------------------------------

  /** An element: h("a", {href: "#/"}, "text", child, ...). Attributes that are null/false are left out. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function setAttrs(el, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
      else el.setAttribute(name, value === true ? "" : String(value));
    }
  }

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  class ApiError extends Error {
    constructor(status, message, path) {
      super(message);
      this.status = status;
      this.path = path;
    }
  }

  function query(params) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params || {})) {
      if (value !== null && value !== undefined && value !== "") search.set(name, String(value));
    }
    const text = search.toString();
    return text ? `?${text}` : "";
  }

  /** GET /v1<path>; the decoded JSON, or an ApiError saying what went wrong. */
  async function api(path, params) {
    const target = `${API}${path}${query(params)}`;
    let response;
    try {
      response = await fetch(target, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    } catch (error) {
      throw new ApiError(0, `the explorer server could not be reached (${error.message}); is it still running?`, target);
    }
    let body = null;
    const text = await response.text();
    try {
      body = text ? JSON.parse(text) : null;
    } catch (error) {
      body = null;
    }
    if (!response.ok) {
      const message = (body && body.message) || text.slice(0, 300) || response.statusText || "no answer";
      throw new ApiError(response.status, message, target);
    }
    return body;
  }

  const enc = encodeURIComponent;
  const entityHref = (id, params) => `#/entity/${id}${query(params)}`;
  const articleHref = (id) => `#/article/${id}`;
  const dayHref = (day) => `#/day/${day}`;
  const storyHref = (id) => `#/story/${id}`;

  /** "2022-03-20T14:05:00Z" -> "2022-03-20 14:05 UTC" (times stay in UTC, as the index keeps them). */
  function fmtTime(value) {
    if (!value) return "—";
    const match = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}))?/.exec(String(value));
    if (!match) return String(value);
    return match[2] ? `${match[1]} ${match[2]} UTC` : match[1];
  }

  const dayOf = (value) => (value ? String(value).slice(0, 10) : null);
  const fmtNumber = (n) => (typeof n === "number" ? n.toLocaleString("en") : "—");
  const plural = (n, one, many) => `${fmtNumber(n)} ${n === 1 ? one : many || `${one}s`}`;
  /** A real YYYY-MM-DD date (2024-02-31 is not: Date would roll it over to March). */
  function isDay(value) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value || "")) return false;
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
  }

  function addDays(day, days) {
    const date = new Date(`${day}T00:00:00Z`);
    date.setUTCDate(date.getUTCDate() + days);
    return date.toISOString().slice(0, 10);
  }

  function todayUtc() {
    return new Date().toISOString().slice(0, 10);
  }

  function announce(text) {
    const region = document.getElementById("announcer");
    region.textContent = "";
    window.setTimeout(() => { region.textContent = text; }, 30);
  }

  function kindBadge(type) {
    return h("span", { class: `kind ${type}` }, TYPE_LABELS[type] || type);
  }

  // ---- Errors: always a message, never a blank page ----------------------------------------------------

  function explain(error, what, hints) {
    if (!(error instanceof ApiError)) {
      return { title: "Something went wrong in the page", text: String(error && error.message ? error.message : error) };
    }
    const hint = (hints || {})[error.status];
    if (error.status === 404) return { title: `Not found: ${what}`, text: hint || error.message };
    if (error.status === 422 || error.status === 400) {
      return { title: `Not a valid request: ${what}`, text: hint || error.message };
    }
    if (error.status === 403) {
      return {
        title: "The API refused the call",
        text: `${error.message}. The explorer server signs each call with your AWS credentials: check they are set and allowed to call this API.`,
      };
    }
    if (error.status === 0 || error.status === 502 || error.status === 504) {
      return { title: "The API could not be reached", text: error.message };
    }
    return { title: `The API answered with an error (HTTP ${error.status})`, text: error.message };
  }

  function errorBox(error, what, level, hints) {
    const { title, text } = explain(error, what, hints);
    const heading = level === 1 ? "h1" : "h2";
    const apiSaid = error instanceof ApiError && text !== error.message ? ` The API said: ${error.message}` : "";
    return h("div", { class: "error-box", role: "alert" },
      h(heading, {}, title),
      h("p", {}, text),
      error instanceof ApiError && error.path
        ? h("p", { class: "detail" }, `GET ${error.path} → ${error.status || "no answer"}.${apiSaid}`) : null,
      level === 1 ? h("p", {}, h("a", { href: "#/" }, "Back to the start page")) : null);
  }

  // ---- CSV (generated here, downloaded as a Blob) -----------------------------------------------------

  function csvCell(value) {
    if (value === null || value === undefined) return "";
    let text = Array.isArray(value) ? value.join("; ") : String(value);
    // A spreadsheet runs a cell starting with = + - @ as a formula: quote such text (numbers stay numbers).
    if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  }

  function toCsv(headers, rows) {
    return [headers, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
  }

  function download(filename, headers, rows) {
    const blob = new Blob(["\ufeff", toCsv(headers, rows)], { type: "text/csv;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const link = h("a", { href: url, download: filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10000);
    announce(`Downloaded ${filename}: ${plural(rows.length, "row")}`);
  }

  const safeName = (text) => String(text).replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "");

  /** A "Download CSV" button; `rows()` may be async (e.g. follows the cursor through every page). */
  function csvButton(label, filename, headers, rows) {
    const button = h("button", { type: "button", class: "csv", "aria-label": `Download ${label} as CSV` }, "CSV");
    button.addEventListener("click", async () => {
      button.disabled = true;
      const previous = button.textContent;
      button.textContent = "Preparing…";
      try {
        download(filename, headers, await rows());
      } catch (error) {
        const { title, text } = explain(error, label);
        announce(`${title}: ${text}`);
        window.alert(`${title}\n${text}`);
      } finally {
        button.disabled = false;
        button.textContent = previous;
      }
    });
    return button;
  }

  /** Every item of a cursor-paged list (up to CSV_MAX_PAGES pages of CSV_PAGE). */
  async function allItems(path, params) {
    const items = [];
    let cursor = null;
    for (let page = 0; page < CSV_MAX_PAGES; page += 1) {
      const answer = await api(path, { ...params, limit: CSV_PAGE, cursor });
      items.push(...answer.items);
      cursor = answer.cursor;
      if (!cursor) break;
    }
    return items;
  }

  // ---- Panels, tables, paging -------------------------------------------------------------------------

  function panel(id, title, actions, ...body) {
    const headingId = `${id}-title`;
    return h("section", { class: "panel", id, "aria-labelledby": headingId },
      h("div", { class: "panel-head" }, h("h2", { id: headingId }, title), h("div", { class: "panel-actions" }, actions)),
      body);
  }

  function table(caption, columns, rows) {
    return h("div", { class: "table-wrap" },
      h("table", {},
        h("caption", { class: "visually-hidden" }, caption),
        h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.class }, c.label)))),
        h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((c, i) => h("td", { class: c.class }, row[i])))))));
  }

  /**
   * A cursor-paged list in `container`: Previous/Next with the cursors kept here. `load(cursor)` returns
   * the API page; `render(items)` the element showing them.
   */
  function pagedList(container, label, load, render, empty) {
    const cursors = [null];
    let index = 0;
    async function show() {
      container.replaceChildren(h("p", { class: "loading" }, "Loading…"));
      let answer;
      try {
        answer = await load(cursors[index]);
      } catch (error) {
        container.replaceChildren(errorBox(error, label, 2));
        return;
      }
      if (answer.cursor) cursors[index + 1] = answer.cursor;
      const previous = h("button", { type: "button", disabled: index === 0, "aria-label": `Previous page of ${label}` }, "← Previous");
      const next = h("button", { type: "button", disabled: !answer.cursor, "aria-label": `Next page of ${label}` }, "Next →");
      const turn = (step, which) => {
        index += step;
        show().then(() => {
          const buttons = container.querySelectorAll(".pager button");
          const target = buttons[which] && !buttons[which].disabled ? buttons[which] : buttons[1 - which];
          if (target) target.focus();
        });
      };
      previous.addEventListener("click", () => turn(-1, 0));
      next.addEventListener("click", () => turn(1, 1));
      const pager = index === 0 && !answer.cursor
        ? null
        : h("div", { class: "pager", role: "group", "aria-label": `Pages of ${label}` }, previous, h("span", { class: "muted" }, `Page ${index + 1}`), next);
      container.replaceChildren(...[answer.items.length ? render(answer.items) : h("p", { class: "muted" }, empty), pager].filter(Boolean));
    }
    return show();
  }

  // ---- Chart: hand-written SVG, one line per series, one marker per point ---------------------------

  function niceStep(max, ticks) {
    const raw = Math.max(1, max / ticks);
    const power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * power).find((m) => m >= raw);
    return Math.max(1, Math.ceil(step));
  }

  /**
   * series: [{name, points: [{start, count}]}] on the same x (interval starts). A responsive SVG
   * (redrawn to its container's width) plus a legend and the data as a table for screen readers.
   */
  function chart(series, description, interval) {
    const box = h("figure", { class: "chart" });
    const graphic = h("div", { class: "chart-graphic" });
    const labels = series[0] ? series[0].points.map((p) => p.start) : [];
    const perLabel = interval === "week" ? "week of" : "day";

    function draw() {
      const width = Math.max(300, Math.min(1000, graphic.clientWidth || box.clientWidth || 700));
      const narrow = width < 500;
      const height = narrow ? 200 : 240;
      const margin = { left: 40, right: 12, top: 12, bottom: 30 };
      const plotW = width - margin.left - margin.right;
      const plotH = height - margin.top - margin.bottom;
      const max = Math.max(1, ...series.flatMap((one) => one.points.map((p) => p.count)));
      const step = niceStep(max, narrow ? 3 : 5);
      const top = Math.ceil(max / step) * step;
      const n = labels.length;
      const x = (i) => margin.left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
      const y = (v) => margin.top + plotH - (v / top) * plotH;
      const svg = s("svg", {
        viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": description, focusable: "false",
      });
      const grid = s("g", { class: "grid" });
      const axis = s("g", { class: "axis" });
      for (let v = 0; v <= top; v += step) {
        grid.append(s("line", { x1: margin.left, x2: width - margin.right, y1: y(v), y2: y(v) }));
        axis.append(s("text", { x: margin.left - 6, y: y(v) + 4, "text-anchor": "end" }, fmtNumber(v)));
      }
      // Labels from the most recent back, spaced so that none overlaps (a label is ~62 px wide).
      const spacing = n <= 1 ? plotW : plotW / (n - 1);
      const every = Math.max(1, Math.ceil(100 / spacing));
      for (let i = n - 1; i >= 0; i -= every) {
        const anchor = n === 1 ? "middle" : i === n - 1 ? "end" : x(i) - margin.left < 40 ? "start" : "middle";
        axis.append(s("text", { x: x(i), y: height - 8, "text-anchor": anchor }, labels[i]));
      }
      axis.append(s("line", { x1: margin.left, x2: width - margin.right, y1: y(0), y2: y(0) }));
      svg.append(grid, axis);
      series.forEach((one, index) => {
        const style = SERIES[index % SERIES.length];
        const path = one.points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p.count).toFixed(1)}`).join(" ");
        svg.append(s("path", {
          class: "series-line", d: path, stroke: style.color, "stroke-dasharray": style.dash || null, "data-series": index,
        }));
        const dots = s("g", { class: "points", "data-series": index });
        one.points.forEach((p, i) => {
          dots.append(s("circle", {
            class: "point", cx: x(i).toFixed(1), cy: y(p.count).toFixed(1), r: n > 120 ? 1.6 : 3.2, fill: style.color,
            "data-series": index, "data-start": p.start, "data-count": p.count,
          }, s("title", {}, `${one.name}: ${plural(p.count, "article")} (${perLabel} ${p.start})`)));
        });
        svg.append(dots);
      });
      graphic.replaceChildren(svg);
    }

    const legend = series.length > 1
      ? h("ul", { class: "legend", "aria-label": "Legend" }, series.map((one, index) => {
        const style = SERIES[index % SERIES.length];
        return h("li", {},
          s("svg", { width: 28, height: 10, "aria-hidden": "true" },
            s("line", { x1: 0, x2: 28, y1: 5, y2: 5, stroke: style.color, "stroke-width": 3, "stroke-dasharray": style.dash || null })),
          one.name);
      }))
      : null;
    const data = h("details", { class: "data" },
      h("summary", {}, "Show the numbers as a table"),
      table(description,
        [{ label: interval === "week" ? "Week starting" : "Day" }, ...series.map((one) => ({ label: one.name, class: "num" }))],
        labels.map((label, i) => [label, ...series.map((one) => fmtNumber(one.points[i] ? one.points[i].count : 0))])));
    box.append(graphic, legend || "", h("figcaption", { class: "visually-hidden" }, description), data);

    let frame = 0;
    const observer = new ResizeObserver(() => {
      window.cancelAnimationFrame(frame);
      frame = window.requestAnimationFrame(draw);
    });
    observer.observe(graphic);
    window.requestAnimationFrame(draw);
    draw();
    return box;
  }

  // ---- Combobox: autocomplete over GET /v1/entities --------------------------------------------------

  let comboboxCount = 0;

  /**
   * Wire an input (role=combobox) and a listbox to the entity look-up. Arrow keys move, Enter picks,
   * Escape closes; `onPick(entity)` gets the chosen suggestion.
   */
  function combobox(input, listbox, onPick) {
    comboboxCount += 1;
    const prefix = `cb${comboboxCount}`;
    let items = [];
    let active = -1;
    let sequence = 0;
    let timer = 0;

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function setActive(index) {
      active = index;
      listbox.querySelectorAll('[role="option"]').forEach((option, i) => {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
        if (i === index) option.scrollIntoView({ block: "nearest" });
      });
      if (index >= 0) input.setAttribute("aria-activedescendant", `${prefix}-option-${index}`);
      else input.removeAttribute("aria-activedescendant");
    }

    function pick(index) {
      const entity = items[index];
      if (!entity) return;
      close();
      onPick(entity);
    }

    function render(text) {
      listbox.replaceChildren();
      if (!items.length) {
        listbox.append(h("li", { class: "no-match", role: "presentation" }, `No entity matches “${text}”`));
      }
      items.forEach((entity, index) => {
        const matchedOther = entity.matched && entity.matched.toLowerCase() !== entity.name.toLowerCase();
        const option = h("li", { id: `${prefix}-option-${index}`, role: "option", "aria-selected": "false", "data-id": entity.id },
          h("span", { class: "option-name" }, entity.name),
          h("span", { class: "option-meta" },
            `${TYPE_LABELS[entity.type] || entity.type} · ${plural(entity.article_count, "article")}`,
            matchedOther ? ` · as “${entity.matched}”` : ""));
        option.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the input
        option.addEventListener("click", () => pick(index));
        listbox.append(option);
      });
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      setActive(-1);
      announce(items.length ? `${plural(items.length, "suggestion")}; use the arrow keys to choose` : `No entity matches ${text}`);
    }

    async function lookUp() {
      const text = input.value.trim();
      const mine = ++sequence;
      if (!text) { close(); return; }
      try {
        const answer = await api("/entities", { q: text, limit: SUGGESTIONS });
        if (mine !== sequence) return; // a later keystroke's answer wins
        items = answer.items || [];
        render(text);
      } catch (error) {
        if (mine !== sequence) return;
        items = [];
        listbox.replaceChildren(h("li", { class: "no-match inline-error", role: "presentation" }, explain(error, "search").title + `: ${error.message}`));
        listbox.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }

    input.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookUp, 150);
    });
    input.addEventListener("keydown", (event) => {
      const open = !listbox.hidden && items.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) { lookUp(); return; }
        setActive((active + 1) % items.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (open) setActive(active <= 0 ? items.length - 1 : active - 1);
      } else if (event.key === "Enter") {
        if (open) {
          event.preventDefault();
          pick(active >= 0 ? active : 0);
        }
      } else if (event.key === "Escape") {
        if (!listbox.hidden) { event.preventDefault(); close(); } else input.value = "";
      } else if (event.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", () => window.setTimeout(close, 120));
    input.addEventListener("focus", () => { if (input.value.trim() && items.length) render(input.value.trim()); });
    return { close, clear() { input.value = ""; items = []; close(); } };
  }

  // ---- Pages ---------------------------------------------------------------------------------------

  const main = () => document.getElementById("main");
  let renderToken = 0;

  function setPage(title, ...children) {
    document.title = title ? `${title} · newsingest explorer` : "newsingest explorer";
    main().replaceChildren(...children.filter(Boolean));
  }

  function pageHead(title, ...rest) {
    return h("div", { class: "page-head" }, h("h1", { id: "page-title" }, title), rest);
  }

  function facts(pairs) {
    return h("dl", { class: "facts" }, pairs.filter(Boolean).map(([term, value, id]) =>
      h("div", { id }, h("dt", {}, term), h("dd", {}, value))));
  }

  function homePage() {
    const day = todayUtc();
    setPage("",
      pageHead("Explore the news index"),
      h("section", { class: "panel", "aria-labelledby": "start-title" },
        h("h2", { id: "start-title" }, "Where to start"),
        h("ul", {},
          h("li", {}, "Search a name in the box above: a person, organisation, place or event. Any word of a name works (", h("q", {}, "putin"), ", ", h("q", {}, "stolt"), "), and so do aliases (", h("q", {}, "u.s."), ", ", h("q", {}, "north atlantic"), ")."),
          h("li", {}, "An entity's page shows how often it was mentioned, who appears alongside it, what it said and where."),
          h("li", {}, h("a", { href: dayHref(day) }, "What was published today"), " — or any ", h("a", { href: "#/day" }, "day"), "."),
          h("li", {}, h("a", { href: "#/compare" }, "Compare"), " up to three entities on one chart."),
          h("li", {}, "Every list and series can be downloaded as CSV for a spreadsheet."))));
  }

  function notFoundPage(hash) {
    setPage("Not found", errorBox(new ApiError(404, `The explorer has no page at ${hash}.`, null), "this page", 1));
  }

  function rangeForm(params, onApply, withInterval) {
    const from = h("input", { type: "date", name: "from", value: params.from || "", "aria-describedby": "range-hint" });
    const to = h("input", { type: "date", name: "to", value: params.to || "", "aria-describedby": "range-hint" });
    const interval = withInterval
      ? h("select", { name: "interval" },
        h("option", { value: "day", selected: params.interval !== "week" }, "per day"),
        h("option", { value: "week", selected: params.interval === "week" }, "per week"))
      : null;
    const form = h("form", { class: "filters", "aria-label": "Date range" },
      h("label", {}, "From", from),
      h("label", {}, "To", to),
      interval ? h("label", {}, "Interval", interval) : null,
      h("button", { type: "submit", class: "primary" }, "Apply"),
      h("button", { type: "button", class: "reset" }, "Reset"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      onApply({ from: from.value, to: to.value, interval: interval ? interval.value : undefined });
    });
    form.querySelector("button.reset").addEventListener("click", () => onApply({ interval: interval ? interval.value : undefined }));
    return h("div", {}, form, h("p", { id: "range-hint", class: "muted" },
      "Days are UTC. Leave the dates empty for the defaults: the chart shows the period up to the last mention, the lists everything."));
  }

  async function entityPage(id, params, token) {
    setPage(id, h("p", { class: "loading" }, `Loading ${id}…`));
    const range = { from: params.from, to: params.to };
    let entity;
    try {
      entity = await api(`/entities/${enc(id)}`, range);
    } catch (error) {
      if (token !== renderToken) return;
      setPage("Error", errorBox(error, `entity ${id}`, 1, {
        404: `The index has no entity ${id}. Ids change with the spelling of the name: search the name in the box above.`,
        422: `“${id}” is not an entity id. Ids are a type and a name in lower case, such as person:vladimir-putin or organization:nato; search by name in the box above.`,
      }));
      return;
    }
    if (token !== renderToken) return;
    const interval = params.interval === "week" ? "week" : "day";
    const timelineBox = h("div", {}, h("p", { class: "loading" }, "Loading the timeline…"));
    const companionsBox = h("div", {});
    const quotesBox = h("div", {});
    const articlesBox = h("div", {});
    const ranged = range.from || range.to;
    const rangeText = ranged ? ` from ${range.from || "the start"} to ${range.to || "the end"}` : "";
    const fileBase = safeName(entity.id);

    setPage(entity.name,
      pageHead(entity.name, " ", kindBadge(entity.type), h("div", { class: "id" }, entity.id),
        facts([
          ["Articles", fmtNumber(entity.article_count), "fact-articles"],
          ["Stories", fmtNumber(entity.story_count), "fact-stories"],
          ["Mentions", fmtNumber(entity.mention_count), "fact-mentions"],
          ["First seen", entity.first_seen ? h("a", { href: dayHref(dayOf(entity.first_seen)) }, fmtTime(entity.first_seen)) : "—", "fact-first-seen"],
          ["Last seen", entity.last_seen ? h("a", { href: dayHref(dayOf(entity.last_seen)) }, fmtTime(entity.last_seen)) : "—", "fact-last-seen"],
        ]),
        ranged ? h("p", { class: "muted" }, `Totals for all time; the lists below are${rangeText}.`) : null),
      rangeForm({ ...range, interval }, (next) => { location.hash = entityHref(entity.id, next); }, true),
      panel("timeline", "Articles mentioning it over time",
        [h("a", { class: "button", href: `#/compare${query({ ids: entity.id, interval, from: range.from, to: range.to })}` }, "Compare…")],
        timelineBox),
      h("div", { class: "columns" },
        panel("companions", "Seen most often with", [csvButton("companions", `${fileBase}-companions.csv`,
          ["id", "name", "type", "shared_articles"],
          () => entity.companions.map((c) => [c.id, c.name, c.type, c.shared_articles]))], companionsBox),
        panel("quotes", "Quotations", [csvButton("quotations", `${fileBase}-quotes.csv`,
          ["article_id", "time", "title", "speaker", "quote"],
          async () => (await allItems(`/entities/${enc(entity.id)}/quotes`, range))
            .flatMap((q) => q.texts.map((text) => [q.article_id, q.time, q.title, q.speaker_name, text])))], quotesBox)),
      panel("articles", `Articles, newest first${rangeText}`, [csvButton("articles", `${fileBase}-articles.csv`,
        ["article_id", "time", "title", "mention_count", "salience"],
        async () => (await allItems(`/entities/${enc(entity.id)}/articles`, { ...range, order: "newest" }))
          .map((a) => [a.article_id, a.time, a.title, a.mention_count, a.salience]))], articlesBox));
    announce(`${entity.name}: ${plural(entity.article_count, "article")}`);

    // Companions: already in the entity's answer
    companionsBox.replaceChildren(entity.companions.length
      ? h("div", {},
        h("ul", { class: "list" }, entity.companions.map((c) => h("li", {},
          h("a", { href: entityHref(c.id) }, c.name || c.id), " ", c.type ? kindBadge(c.type) : null, " ",
          h("span", { class: "muted" }, `in ${plural(c.shared_articles, "article")}`)))),
        h("p", { class: "muted" }, `Counted over its ${plural(entity.companion_window_articles, "most recent article")}${rangeText}.`))
      : h("p", { class: "muted" }, "No other entity appears with it."));

    // Timeline, quotes and articles load side by side
    api(`/entities/${enc(entity.id)}/timeline`, { ...range, interval }).then((timeline) => {
      if (token !== renderToken) return;
      const peak = timeline.points.reduce((best, p) => (p.count > best.count ? p : best), { count: -1 });
      const description = `Articles mentioning ${entity.name} per ${interval}, ${timeline.from} to ${timeline.to}: `
        + `${plural(timeline.total, "article")} in all${peak.count > 0 ? `, most (${peak.count}) on ${interval === "week" ? "the week of " : ""}${peak.start}` : ""}.`;
      timelineBox.replaceChildren(
        h("p", { class: "muted", id: "timeline-summary" }, description),
        chart([{ name: entity.name, points: timeline.points }], description, interval),
        h("div", { class: "panel-actions" }, csvButton("timeline", `${fileBase}-timeline-${interval}.csv`,
          [interval === "week" ? "week_start" : "day", "articles"], () => timeline.points.map((p) => [p.start, p.count]))));
    }).catch((error) => { if (token === renderToken) timelineBox.replaceChildren(errorBox(error, "timeline", 2)); });

    pagedList(quotesBox, "quotations",
      (cursor) => api(`/entities/${enc(entity.id)}/quotes`, { ...range, cursor, limit: 10 }),
      (items) => h("ul", { class: "list" }, items.map((q) => h("li", {},
        q.texts.map((text) => h("blockquote", {}, `“${text}”`)),
        h("div", { class: "quote-meta" }, `${q.speaker_name || entity.name} · `, h("a", { href: articleHref(q.article_id) }, q.title || "(untitled)"), ` · ${fmtTime(q.time)}`)))),
      "No quotation is attributed to it.");

    // Articles: one row each, or one per story (copies of one article, e.g. syndicated, shown once)
    const collapse = h("input", { type: "checkbox", id: "collapse-stories", checked: params.collapse === "story" });
    const listBox = h("div", {});
    articlesBox.replaceChildren(
      h("label", { class: "toggle" }, collapse, " One row per story (copies of one article shown once)"), listBox);
    const showArticles = () => pagedList(listBox, "articles",
      (cursor) => api(`/entities/${enc(entity.id)}/articles`,
        { ...range, order: "newest", cursor, limit: PAGE, collapse: collapse.checked ? "story" : undefined }),
      (items) => table(`Articles mentioning ${entity.name}`,
        [{ label: "Published (UTC)", class: "time" }, { label: "Title" }, { label: "Mentions", class: "num" },
          ...(collapse.checked ? [{ label: "Copies", class: "num" }] : [])],
        items.map((a) => [fmtTime(a.time), h("a", { href: articleHref(a.article_id) }, a.title || "(untitled)"), fmtNumber(a.mention_count),
          ...(collapse.checked
            ? [a.copy_count > 1 && a.story_id ? h("a", { href: storyHref(a.story_id), "aria-label": `${a.copy_count} copies of this story` }, fmtNumber(a.copy_count)) : "1"]
            : [])])),
      ranged ? "No article mentions it in this date range." : "No article mentions it.");
    collapse.addEventListener("change", () => {
      announce(collapse.checked ? "One row per story" : "One row per article");
      showArticles();
    });
    showArticles();
  }

  function storyFact(story) {
    if (!story) return "—";
    if (story.copy_count < 2) return "no other copy";
    const others = story.copy_count - 1;
    return h("span", {}, story.is_canonical ? "the original" : h("a", { href: articleHref(story.canonical_id) }, "a copy"),
      `, with ${plural(others, "other copy", "other copies")} · `, h("a", { href: storyHref(story.id) }, "the story"));
  }

  async function storyPage(id, token) {
    setPage("Story", h("p", { class: "loading" }, `Loading story ${id}…`));
    let story;
    try {
      story = await api(`/stories/${enc(id)}`);
    } catch (error) {
      if (token !== renderToken) return;
      setPage("Error", errorBox(error, `story ${id}`, 1, {
        404: `The index has no story ${id}: its articles may have been deleted.`,
        422: `“${id}” is not a story id: those are 32 hexadecimal characters, like article ids.`,
      }));
      return;
    }
    if (token !== renderToken) return;
    const canonical = story.copies[0];
    const title = canonical.title || "(untitled)";
    setPage(`Story: ${title}`,
      pageHead(`Story: ${title}`, h("div", { class: "id" }, story.id),
        facts([
          ["Copies", fmtNumber(story.copy_count), "fact-copies"],
          ["First published", fmtTime(story.first_time), "fact-first"],
          ["Last published", fmtTime(story.last_time), "fact-last"],
        ]),
        h("p", { class: "muted" }, "Near-duplicates of one article (the same story on several sites, edited, cut or extended), earliest first; the first is the canonical copy.")),
      panel("story-copies", "Copies", [csvButton("copies", `story-${story.id}.csv`, ["article_id", "time", "title", "url", "sources"],
        () => story.copies.map((c) => [c.id, c.time, c.title, c.url, c.sources.join(" ")]))],
      table(`Copies of ${title}`,
        [{ label: "Published (UTC)", class: "time" }, { label: "Title" }, { label: "Where" }],
        story.copies.map((c, index) => [fmtTime(c.time),
          h("span", {}, h("a", { href: articleHref(c.id) }, c.title || "(untitled)"), index === 0 ? h("span", { class: "muted" }, " (canonical)") : null),
          c.url ? h("a", { href: c.url, rel: "noopener noreferrer", target: "_blank" }, hostOf(c.url)) : c.sources.join(", ")]))));
    announce(`Story of ${plural(story.copy_count, "copy", "copies")}`);
  }

  /** The text with each mention an <a class="mention">. Offsets are in code points (Python str
   * indices), so the text is split with Array.from, never indexed as UTF-16. */
  function highlightedText(text, entities) {
    const chars = Array.from(text);
    const mentions = entities.flatMap((e) => (e.mentions || []).map((m) => ({ ...m, entity: e })))
      .sort((a, b) => a.start - b.start || b.end - a.end);
    const out = h("div", { class: "article-text", id: "article-text", lang: "" });
    let at = 0;
    let marked = 0;
    for (const m of mentions) {
      const start = Math.max(m.start, at); // an overlap keeps the earlier mention whole
      const end = Math.min(m.end, chars.length);
      if (end <= start) continue;
      if (start > at) out.append(chars.slice(at, start).join(""));
      out.append(h("a", {
        class: `mention ${m.entity.type}`, href: entityHref(m.entity.id), "data-entity": m.entity.id,
        title: `${m.entity.name} (${TYPE_LABELS[m.entity.type] || m.entity.type})`,
      }, chars.slice(start, end).join("")));
      marked += 1;
      at = end;
    }
    if (at < chars.length) out.append(chars.slice(at).join(""));
    out.dataset.mentions = String(marked);
    return out;
  }

  async function articlePage(id, token) {
    setPage("Article", h("p", { class: "loading" }, `Loading article ${id}…`));
    const parsedPromise = api(`/articles/${enc(id)}/parsed`).then((value) => ({ value }), (error) => ({ error }));
    let article;
    try {
      article = await api(`/articles/${enc(id)}`);
    } catch (error) {
      if (token !== renderToken) return;
      setPage("Error", errorBox(error, `article ${id}`, 1, {
        404: `The index has no article ${id}: it may have been deleted, or not indexed yet.`,
        422: `“${id}” is not an article id: those are 32 hexadecimal characters, such as 2d7d8c24f1b60a222df066e647d57cce.`,
      }));
      return;
    }
    if (token !== renderToken) return;
    const title = article.title || "(untitled)";
    const day = dayOf(article.published_at || article.time);
    const names = Object.fromEntries(article.entities.map((e) => [e.id, e]));
    const textBox = h("div", {}, h("p", { class: "loading" }, "Loading the text…"));
    const quotesBox = h("div", {}, h("p", { class: "loading" }, "Loading…"));
    const fileBase = `article-${article.id}`;

    setPage(title,
      pageHead(title,
        h("div", { class: "id" }, article.id),
        facts([
          ["Source", article.url ? h("a", { href: article.url, rel: "noopener noreferrer", target: "_blank" }, hostOf(article.url)) : (article.sources || []).join(", ") || "—", "fact-source"],
          ["Authors", (article.authors || []).length ? article.authors.join(", ") : "—", "fact-authors"],
          ["Published", article.published_at ? fmtTime(article.published_at) : "unknown", "fact-published"],
          ["Indexed under", day ? h("a", { href: dayHref(day) }, day) : "—", "fact-day"],
          ["Language", article.language || "—", "fact-language"],
          ["Words", fmtNumber(article.word_count), "fact-words"],
          ["Story", storyFact(article.story), "fact-story"],
        ])),
      h("div", { class: "columns" },
        panel("article-entities", "Entities", [csvButton("entities", `${fileBase}-entities.csv`,
          ["id", "name", "type", "mention_count", "salience", "in_title"],
          () => article.entities.map((e) => [e.id, e.name, e.type, e.mention_count, e.salience, e.in_title]))],
        article.entities.length
          ? table(`Entities in ${title}`,
            [{ label: "Name" }, { label: "Type", class: "hide-narrow" }, { label: "Mentions", class: "num" }, { label: "Salience", class: "num hide-narrow" }],
            article.entities.map((e) => [h("a", { href: entityHref(e.id) }, e.name), kindBadge(e.type), fmtNumber(e.mention_count), (e.salience ?? 0).toFixed(2)]))
          : h("p", { class: "muted" }, "No entity was found in it.")),
        panel("article-quotes", "Quotations", [], quotesBox)),
      panel("article-body", "Text", [], textBox));
    announce(`${title}: ${plural(article.entities.length, "entity", "entities")}`);

    const parsed = await parsedPromise;
    if (token !== renderToken) return;
    if (parsed.error) {
      textBox.replaceChildren(errorBox(parsed.error, "the article's parsed text", 2));
      quotesBox.replaceChildren(h("p", { class: "muted" }, "The quotations come with the parsed text, which could not be read."));
      return;
    }
    const full = parsed.value;
    const mentionTotal = full.entities.reduce((n, e) => n + (e.mentions || []).length, 0);
    textBox.replaceChildren(
      h("p", { class: "muted" }, `${plural(mentionTotal, "mention")} of ${plural(full.entities.length, "entity", "entities")} highlighted; each links to its entity's page.`),
      highlightedText(full.text || "", full.entities));
    const quotes = full.quotes || [];
    quotesBox.replaceChildren(quotes.length
      ? h("ul", { class: "list" }, quotes.map((q) => h("li", {},
        h("blockquote", {}, `“${q.text}”`),
        h("div", { class: "quote-meta" }, q.speaker_id
          ? h("a", { href: entityHref(q.speaker_id) }, q.speaker_name || (names[q.speaker_id] || {}).name || q.speaker_id)
          : (q.speaker_name || "unattributed")))))
      : h("p", { class: "muted" }, "No quotation was found in it."));
    const quotesPanel = document.querySelector("#article-quotes .panel-actions");
    if (quotesPanel && quotes.length) {
      quotesPanel.append(csvButton("quotations", `${fileBase}-quotes.csv`, ["speaker_id", "speaker", "quote"],
        () => quotes.map((q) => [q.speaker_id, q.speaker_name, q.text])));
    }
  }

  function hostOf(url) {
    try {
      return new URL(url).host || url;
    } catch (error) {
      return url;
    }
  }

  function dayPage(day, token) {
    if (!day) {
      location.replace(dayHref(todayUtc()));
      return;
    }
    if (!isDay(day)) {
      setPage("Error", errorBox(new ApiError(422, `“${day}” is not a date: days are written YYYY-MM-DD, e.g. 2022-03-20.`, null), "day", 1));
      return;
    }
    const picker = h("input", { type: "date", name: "day", value: day });
    const form = h("form", { class: "filters", "aria-label": "Choose a day" },
      h("a", { class: "button", href: dayHref(addDays(day, -1)), "aria-label": `Previous day, ${addDays(day, -1)}` }, "← Previous day"),
      h("label", {}, "Day (UTC)", picker),
      h("button", { type: "submit", class: "primary" }, "Show"),
      h("a", { class: "button", href: dayHref(addDays(day, 1)), "aria-label": `Next day, ${addDays(day, 1)}` }, "Next day →"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (isDay(picker.value)) location.hash = dayHref(picker.value);
    });
    const listBox = h("div", {});
    setPage(day,
      pageHead(`Published on ${day}`),
      form,
      panel("day-articles", "Articles, newest first", [csvButton("articles", `articles-${day}.csv`,
        ["id", "published_at", "time", "title", "url", "language", "word_count"],
        async () => (await allItems("/articles", { day })).map((a) => [a.id, a.published_at, a.time, a.title, a.url, a.language, a.word_count]))],
      listBox));
    return pagedList(listBox, "articles",
      (cursor) => api("/articles", { day, cursor, limit: PAGE }),
      (items) => {
        if (token === renderToken) announce(`${plural(items.length, "article")} on this page`);
        return table(`Articles published on ${day}`,
          [{ label: "Time (UTC)", class: "time" }, { label: "Title" }, { label: "Language", class: "hide-narrow" }, { label: "Words", class: "num hide-narrow" }],
          items.map((a) => [fmtTime(a.time || a.published_at).replace(`${day} `, ""), h("a", { href: articleHref(a.id) }, a.title || "(untitled)"), a.language || "—", fmtNumber(a.word_count)]));
      },
      "Nothing was published on this day, as far as the index knows.");
  }

  async function comparePage(params, token) {
    const ids = (params.ids || "").split(",").map((id) => id.trim()).filter(Boolean).slice(0, MAX_COMPARED);
    const interval = params.interval === "week" ? "week" : "day";
    const go = (next) => { location.hash = `#/compare${query({ ids: next.ids.join(","), interval: next.interval, from: next.from, to: next.to })}`; };
    const state = { ids, interval, from: params.from, to: params.to };

    const input = h("input", {
      id: "compare-input", type: "search", role: "combobox", "aria-autocomplete": "list", "aria-expanded": "false",
      "aria-controls": "compare-listbox", autocomplete: "off", spellcheck: "false", disabled: ids.length >= MAX_COMPARED,
      placeholder: ids.length >= MAX_COMPARED ? "Remove one to add another" : "Add an entity…",
    });
    const listbox = h("ul", { id: "compare-listbox", role: "listbox", "aria-label": "Entities to add", hidden: true });
    const chips = h("ul", { class: "chips", "aria-label": "Compared entities" });
    const chartBox = h("div", {});
    setPage("Compare",
      pageHead("Compare entities"),
      h("p", { class: "muted" }, `Up to ${MAX_COMPARED} entities' timelines on one chart: how many articles mentioned each, per ${interval}.`),
      h("div", { class: "combobox compare-search" }, h("label", { for: "compare-input" }, "Add an entity"), input, listbox),
      chips,
      rangeForm(state, (next) => go({ ...state, ...next }), true),
      panel("compare-chart", "Timelines", [], chartBox));
    combobox(input, listbox, (entity) => {
      if (!state.ids.includes(entity.id)) go({ ...state, ids: [...state.ids, entity.id] });
      else input.value = "";
    });
    if (!ids.length) {
      chartBox.replaceChildren(h("p", { class: "muted" }, "Add an entity to start."));
      return;
    }

    chartBox.replaceChildren(h("p", { class: "loading" }, "Loading…"));
    let entities;
    try {
      entities = await Promise.all(ids.map((id) => api(`/entities/${enc(id)}`).catch((error) => { error.entityId = id; throw error; })));
    } catch (error) {
      if (token !== renderToken) return;
      chartBox.replaceChildren(errorBox(error, `entity ${error.entityId || ""}`, 2));
      chips.replaceChildren(...ids.map((id) => chip(id, id, state, go)));
      return;
    }
    if (token !== renderToken) return;
    chips.replaceChildren(...entities.map((e, index) => chip(e.id, e.name, state, go, index)));
    // One range for all: up to the latest last mention, the API's default length back from it.
    const to = state.to || entities.map((e) => dayOf(e.last_seen)).filter(Boolean).sort().pop() || todayUtc();
    const from = state.from || addDays(to, interval === "week" ? -7 * 25 : -29);
    let timelines;
    try {
      timelines = await Promise.all(entities.map((e) => api(`/entities/${enc(e.id)}/timeline`, { from, to, interval })));
    } catch (error) {
      if (token !== renderToken) return;
      chartBox.replaceChildren(errorBox(error, "timelines", 2));
      return;
    }
    if (token !== renderToken) return;
    const series = entities.map((e, i) => ({ name: e.name, points: timelines[i].points }));
    const description = `Articles per ${interval} from ${timelines[0].from} to ${timelines[0].to}: `
      + series.map((one, i) => `${one.name} ${plural(timelines[i].total, "article")}`).join(", ") + ".";
    chartBox.replaceChildren(
      h("p", { class: "muted", id: "compare-summary" }, description),
      chart(series, description, interval),
      h("div", { class: "panel-actions" }, csvButton("compared timelines", `compare-${interval}-${from}-${to}.csv`,
        [interval === "week" ? "week_start" : "day", ...entities.map((e) => e.id)],
        () => series[0].points.map((p, i) => [p.start, ...series.map((one) => (one.points[i] ? one.points[i].count : 0))]))));
  }

  function chip(id, name, state, go, index) {
    const remove = h("button", { type: "button", "aria-label": `Remove ${name}` }, "×");
    remove.addEventListener("click", () => go({ ...state, ids: state.ids.filter((other) => other !== id) }));
    return h("li", {},
      index === undefined ? null : h("span", { class: `swatch series-${index}`, "aria-hidden": "true" }),
      h("a", { href: entityHref(id) }, name), remove);
  }

  // ---- Router --------------------------------------------------------------------------------------

  function parseHash() {
    const raw = location.hash.replace(/^#/, "") || "/";
    const [pathPart, queryPart] = raw.split("?", 2);
    const params = Object.fromEntries(new URLSearchParams(queryPart || ""));
    const parts = pathPart.split("/").filter(Boolean).map((part) => {
      try { return decodeURIComponent(part); } catch (error) { return part; }
    });
    return { parts, params, raw };
  }

  let firstRoute = true;

  async function route() {
    const token = ++renderToken;
    const { parts, params, raw } = parseHash();
    const [view, arg, extra] = parts;
    try {
      if (!raw.startsWith("/")) return; // "#main" and other in-page anchors
      if (!view) homePage();
      else if (view === "entity" && arg && !extra) await entityPage(arg, params, token);
      else if (view === "article" && arg && !extra) await articlePage(arg, token);
      else if (view === "story" && arg && !extra) await storyPage(arg, token);
      else if (view === "day" && !extra) await dayPage(arg, token);
      else if (view === "compare" && !arg) await comparePage(params, token);
      else notFoundPage(`#${raw}`);
    } catch (error) {
      if (token === renderToken) setPage("Error", errorBox(error, "this page", 1));
    }
    if (token === renderToken && !firstRoute) main().focus({ preventScroll: true });
    firstRoute = false;
  }

  function start() {
    const search = combobox(document.getElementById("search-input"), document.getElementById("search-listbox"),
      (entity) => {
        search.clear();
        location.hash = entityHref(entity.id);
      });
    document.getElementById("skip-link").addEventListener("click", (event) => {
      event.preventDefault();
      main().focus();
    });
    window.addEventListener("hashchange", () => { window.scrollTo(0, 0); route(); });
    window.addEventListener("error", (event) => {
      main().replaceChildren(errorBox(new Error(event.message || "a script error"), "this page", 1));
    });
    window.addEventListener("unhandledrejection", (event) => {
      main().prepend(errorBox(event.reason instanceof Error ? event.reason : new Error(String(event.reason)), "this page", 2));
    });
    route();
  }

  // Exposed for the browser tests and the curious: nothing in the page depends on it.
  window.newsingestExplorer = { toCsv, highlightedText };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
