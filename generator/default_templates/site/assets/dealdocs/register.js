/* dealdocs — the CRC register: a filterable, sortable, paginated table over crc/index.json.
 *
 * Fast with tens of thousands of rows: each row's search text is folded once, a filter pass is a
 * plain loop, only one page of rows is rendered, and typing is debounced. Over http(s) the rows come
 * from crc/index.json; from a file share (file://, where fetch() is refused) from the same rows
 * written as a script. No dependency, no network. Its messages are French unless the page's "dd-labels"
 * island holds a "text" table (i18n.SITE_LABELS js_*: English sites).
 */
(function () {
  "use strict";
  var root = document.getElementById("dd-register");
  if (!root) return;

  var PAGE_SIZE = 50;
  var DEBOUNCE_MS = 150;
  var base = root.getAttribute("data-base") || "";
  var input = document.getElementById("dd-q");
  var count = document.getElementById("dd-count");
  var tbody = document.getElementById("dd-rows");
  var pager = document.getElementById("dd-pager");
  var selects = {};
  ["type", "status", "month", "kw", "score"].forEach(function (name) {
    selects[name] = document.getElementById("dd-" + name);
  });
  var opps = island("dd-opps"), exemplary = island("dd-exemplary"), labels = island("dd-labels");
  var rows = [], shown = [], page = 0, sortKey = "date", sortDesc = true, timer = null;
  var text = Object.assign({
    star: "CRC exemplaire : fiche complète", word: "Document Word", empty: "Aucun CRC ne correspond à ces filtres.",
    count: "{shown} CRC sur {total}", range: " · {first}–{last} affichés", prev: "← Précédents", next: "Suivants →",
    page: "Page {page} / {pages}",
    failed: "Le registre n'a pas pu être chargé (crc/index.json absent : lancez dealdocs build).",
    locale: "fr-FR", date: "dmy"
  }, labels.text || {});
  var number = new Intl.NumberFormat(text.locale);

  function island(id) {
    var el = document.getElementById(id);
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  }
  function fold(text) {
    return String(text == null ? "" : text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function label(kind, value) { return (labels[kind] || {})[value] || value || ""; }
  function say(key, values) {
    return String(text[key]).replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  }
  function showDate(iso) {
    if (!iso || iso.length !== 10) return "";
    return text.date === "iso" ? iso : iso.slice(8) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4);
  }

  function prepare(data) {
    rows = (Array.isArray(data) ? data : []).map(function (r) {
      var keywords = r.keywords || [];
      r._kw = keywords.map(fold);
      r._month = String(r.date || "").slice(0, 7);
      r._hay = fold([r.name, r.client, r.opportunity, r.type, label("type", r.type), r.status,
                     label("status", r.status), keywords.join(" "), (r.participants || []).join(" "), r.date].join(" "));
      return r;
    });
  }

  function sortRows() {
    var key = sortKey, dir = sortDesc ? -1 : 1, cache = "_s_" + key;
    for (var i = 0; i < rows.length; i++) {  // folded once per column, not once per comparison
      var r = rows[i];
      if (!(cache in r)) r[cache] = typeof r[key] === "string" ? fold(r[key]) : r[key];
    }
    rows.sort(function (a, b) {
      var x = a[cache], y = b[cache];
      if (x < y) return -dir;
      if (x > y) return dir;
      return a.name < b.name ? -dir : a.name > b.name ? dir : 0;
    });
    var heads = root.querySelectorAll("th button[data-sort]");
    for (var i = 0; i < heads.length; i++) {
      var th = heads[i].parentNode, on = heads[i].getAttribute("data-sort") === sortKey;
      if (on) th.setAttribute("aria-sort", sortDesc ? "descending" : "ascending"); else th.removeAttribute("aria-sort");
    }
  }

  function filters() {
    var f = { terms: fold(input.value).split(/\s+/).filter(Boolean) };
    for (var name in selects) f[name] = selects[name] ? selects[name].value : "";
    f.kwFolded = fold(f.kw);
    return f;
  }

  function keep(r, f) {
    if (f.type && r.type !== f.type) return false;
    if (f.status && r.status !== f.status) return false;
    if (f.month && r._month !== f.month) return false;
    if (f.kwFolded && r._kw.indexOf(f.kwFolded) < 0) return false;
    if (f.score === "lt8" && !(r.score < 8)) return false;
    if (f.score === "ge8" && !(r.score >= 8)) return false;
    for (var i = 0; i < f.terms.length; i++) if (r._hay.indexOf(f.terms[i]) < 0) return false;
    return true;
  }

  function apply(keepPage) {
    var f = filters();
    shown = [];
    for (var i = 0; i < rows.length; i++) if (keep(rows[i], f)) shown.push(rows[i]);
    if (!keepPage) page = 0;
    render();
    remember(f);
  }

  function scoreChip(score) {
    var level = score >= 8 ? "ok" : score >= 6 ? "warn" : "bad";
    return '<span class="dd-score dd-score--' + level + '">' + esc(score) + "/10</span>";
  }

  function rowHtml(r) {
    var crc = base + "crc/" + encodeURIComponent(r.name);
    var oppKey = r.opportunity || "client:" + r.client;
    var oppPage = opps[oppKey];
    var star = exemplary[r.name]
      ? ' <a class="dd-star" title="' + esc(text.star) + '" href="' + esc(base + exemplary[r.name]) + '">★</a>' : "";
    var opp = oppPage ? '<a href="' + esc(base + oppPage) + '">' + esc(r.opportunity || r.client) + "</a>" : esc(r.opportunity || "—");
    var kws = (r.keywords || []).map(function (k) { return '<span class="dd-chip">' + esc(k) + "</span>"; }).join(" ");
    return '<tr><td class="dd-nowrap">' + esc(showDate(r.date)) + '</td><td class="dd-name"><a href="' + esc(crc + ".html") + '">' + esc(r.name) + "</a>" + star +
      "</td><td>" + esc(r.client) + '</td><td class="dd-nowrap">' + opp + "</td><td>" + esc(label("type", r.type)) +
      '</td><td><span class="dd-status dd-status--' + esc(r.status) + '">' + esc(label("status", r.status)) + "</span></td><td>" +
      scoreChip(r.score) + '</td><td class="dd-kws">' + kws + '</td><td class="dd-nowrap"><a href="' + esc(crc + ".docx") + '" download title="' + esc(text.word) + '">.docx</a></td></tr>';
  }

  function render() {
    var pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    var slice = shown.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    tbody.innerHTML = slice.length ? slice.map(rowHtml).join("")
      : '<tr><td colspan="9" class="dd-empty">' + esc(text.empty) + "</td></tr>";
    count.textContent = say("count", { shown: number.format(shown.length), total: number.format(rows.length) }) +
      (shown.length > PAGE_SIZE ? say("range", { first: number.format(page * PAGE_SIZE + 1),
                                                 last: number.format(page * PAGE_SIZE + slice.length) }) : "");
    pager.innerHTML = pages < 2 ? "" :
      '<button type="button" class="md-button" data-page="prev"' + (page === 0 ? " disabled" : "") + ">" + esc(text.prev) + "</button>" +
      '<span class="dd-pager__where">' + esc(say("page", { page: page + 1, pages: pages })) + "</span>" +
      '<button type="button" class="md-button" data-page="next"' + (page >= pages - 1 ? " disabled" : "") + ">" + esc(text.next) + "</button>";
  }

  function remember(f) {
    var params = new URLSearchParams();
    if (input.value.trim()) params.set("q", input.value.trim());
    for (var name in selects) if (f[name]) params.set(name, f[name]);
    if (sortKey !== "date" || !sortDesc) params.set("sort", (sortDesc ? "-" : "") + sortKey);
    var query = params.toString();
    try { history.replaceState(null, "", (query ? "?" + query : location.pathname) + location.hash); } catch (e) { /* file:// */ }
  }

  function restore() {
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    for (var name in selects) {
      var value = params.get(name), select = selects[name];
      if (!value || !select) continue;
      if (!Array.prototype.some.call(select.options, function (o) { return o.value === value; })) {
        select.appendChild(new Option(value, value));
      }
      select.value = value;
    }
    var sort = params.get("sort");
    if (sort) { sortDesc = sort.charAt(0) === "-"; sortKey = sort.replace(/^-/, ""); }
  }

  function load() {
    if (window.__dealdocsIndex) return Promise.resolve(window.__dealdocsIndex);
    function viaScript() {
      return new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = base + root.getAttribute("data-data");
        script.onload = function () { resolve(window.__dealdocsIndex || []); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    if (location.protocol === "file:" || !window.fetch) return viaScript();
    return fetch(base + "crc/index.json").then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).catch(viaScript);
  }

  var form = document.getElementById("dd-filters");
  if (form) form.addEventListener("submit", function (event) { event.preventDefault(); apply(false); });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { apply(false); }, DEBOUNCE_MS);
  });
  for (var name in selects) if (selects[name]) selects[name].addEventListener("change", function () { apply(false); });
  root.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    var sort = button.getAttribute("data-sort");
    if (sort) {
      sortDesc = sort === sortKey ? !sortDesc : sort === "date" || sort === "score";
      sortKey = sort;
      sortRows();
      apply(false);
    } else if (button.getAttribute("data-page")) {
      page += button.getAttribute("data-page") === "next" ? 1 : -1;
      render();
      root.scrollIntoView({ block: "start" });
    }
  });

  load().then(function (data) {
    prepare(data);
    restore();
    sortRows();
    apply(false);
    root.setAttribute("data-ready", "true");
  }, function () {
    count.textContent = text.failed;
  });
})();
