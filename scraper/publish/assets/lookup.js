"use strict";
// The lookup page's search. Everything it knows about the records comes from the page's data
// block: which fields each record array holds, which of them are filters (a <select> each,
// with the field's name as its id) and which the search box reads, the declared variant
// spellings, and the code ranges of the sources a default build leaves out.
(() => {
  const data = JSON.parse(document.getElementById("page-data").textContent);
  const form = document.getElementById("filters");
  const query = document.getElementById("query");
  const count = document.getElementById("count");
  const hint = document.getElementById("hint");
  const filters = data.filters.map((field) => ({ field, control: document.getElementById(field) }));
  const column = Object.fromEntries(data.fields.map((name, index) => [name, index]));
  const fold = (text) => text.normalize("NFKC").toLowerCase();
  // Each variant spelling is read as its group's first one, in the texts and in the search.
  const variants = data.variants.flatMap((group) =>
    group.slice(1).map((spelling) => [fold(spelling), fold(group[0])]),
  );
  const standard = (text) =>
    variants.reduce((folded, [spelling, first]) => folded.split(spelling).join(first), text);
  const entries = data.records.map((values) => ({
    row: document.getElementById(values[column.id]),
    code: values[column.code],
    text: standard(fold(data.searched.map((name) => values[column[name]]).join("\n"))),
    values: Object.fromEntries(data.fields.map((name, index) => [name, values[index]])),
  }));
  const total = entries.length;
  const entriesWord = (n) => (n === 1 ? "entry" : "entries");
  const wholeCode = /^-?\d+$/;
  const SHOWN = 5;  // groups and suggestions named at most, as the command line does

  const termsOf = (text) => standard(fold(text)).split(/\s+/).filter(Boolean);
  const matchesTerms = (entry, terms) =>
    terms.every((term) => entry.code.startsWith(term) || entry.text.includes(term));
  const matchesFilters = (entry) =>
    filters.every(({ field, control }) => !control.value || entry.values[field] === control.value);

  function apply() {
    const terms = termsOf(query.value);
    let shown = 0;
    for (const entry of entries) {
      const visible = matchesFilters(entry) && matchesTerms(entry, terms);
      entry.row.hidden = !visible;
      shown += visible ? 1 : 0;
    }
    if (shown === total) {
      count.textContent = `${total} ${entriesWord(total)}`;
    } else if (shown === 0) {
      count.textContent = `No entry matches (${total} ${entriesWord(total)} in all)`;
    } else {
      count.textContent = `Showing ${shown} of ${total} ${entriesWord(total)}`;
    }
    explain(shown === 0 ? terms : null);
  }

  // Why nothing matches, and what would find it: the filters' other values that have it, or
  // the source a code seems to come from when the dataset lacks it.
  function explain(terms) {
    hint.replaceChildren();
    hint.hidden = true;
    if (terms === null || terms.length === 0) return;
    const elsewhere = entries.filter((entry) => matchesTerms(entry, terms));
    const what = terms.length === 1 && wholeCode.test(terms[0]) ? "it" : "matches";
    if (elsewhere.length > 0) {
      // A group as the lookup command names it, platform/sdk: the sdk names the product.
      const named = filters.filter(({ field }) => field !== "product");
      const groupOf = (entry) => named.map(({ field }) => entry.values[field]).join("/");
      const groups = [...new Set(elsewhere.map(groupOf))];
      const more = groups.length > SHOWN ? ` and ${groups.length - SHOWN} more` : "";
      const verb = groups.length === 1 ? "has" : "have";
      hint.append(`${groups.slice(0, SHOWN).join(", ")}${more} ${verb} ${what}: try `);
      const tries = new Map();  // a button's label -> the filter values it sets
      for (const entry of elsewhere) {
        const differing = filters.filter(
          ({ field, control }) => control.value && entry.values[field] !== control.value,
        );
        const label = differing
          .map(({ field }) => `${labelOf(field)} ${entry.values[field]}`)
          .join(", ");
        if (!tries.has(label)) {
          tries.set(label, differing.map(({ field }) => [field, entry.values[field]]));
        }
      }
      [...tries].slice(0, SHOWN).forEach(([label, values], index) => {
        if (index > 0) hint.append(" or ");
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = label;
        button.addEventListener("click", () => {
          for (const [field, value] of values) document.getElementById(field).value = value;
          changed();
        });
        hint.append(button);
      });
      hint.hidden = false;
      return;
    }
    if (terms.length !== 1 || !wholeCode.test(terms[0])) return;
    const code = Number(terms[0]);
    const known = new Set(entries.map((entry) => entry.values.platform));
    const source = data.optIn.find(
      (item) => item.first <= code && code <= item.last && !known.has(item.platform),
    );
    hint.textContent = source
      ? `${terms[0]} looks like a code of the ${source.id} page (${source.pattern}), which this ` +
        `dataset leaves out: build with \`build --remote --include ${source.id}\` to add it.`
      : `The code ${terms[0]} is not in this dataset, and no code starts with it.`;
    hint.hidden = false;
  }

  const labelOf = (field) => document.querySelector(`label[for="${field}"]`).textContent;

  // The search lives in the address (#q=登录&platform=ios), so a reload or a shared link
  // shows the same rows; replaceState keeps typing out of the history.
  function remember() {
    const state = new URLSearchParams();
    if (query.value) state.set("q", query.value);
    for (const { field, control } of filters) if (control.value) state.set(field, control.value);
    const encoded = state.toString();
    const address = encoded ? `#${encoded}` : location.pathname + location.search;
    history.replaceState(null, "", address);
  }

  function changed() {
    for (const row of document.querySelectorAll("tr.hit")) row.classList.remove("hit");
    apply();
    remember();
  }

  function restore(state) {
    query.value = state.get("q") || "";
    for (const { field, control } of filters) {
      const value = state.get(field) || "";
      control.value = [...control.options].some((option) => option.value === value) ? value : "";
    }
    apply();
  }

  function showTarget() {
    let id = "";
    try {
      id = decodeURIComponent(location.hash.slice(1));
    } catch (error) {
      return;
    }
    if (id.includes("=")) {
      restore(new URLSearchParams(location.hash.slice(1)));
      return;
    }
    const target = id ? document.getElementById(id) : null;
    if (!target || !["TR", "TBODY"].includes(target.tagName) || !target.closest("#codes")) {
      if (wholeCode.test(id)) restore(new URLSearchParams({ q: id }));  // a code with no entry
      return;
    }
    const rows = target.tagName === "TR" ? [target] : Array.from(target.rows);
    query.value = rows[0].dataset.code;
    for (const { control } of filters) control.value = "";
    apply();
    for (const row of document.querySelectorAll("tr.hit")) row.classList.remove("hit");
    for (const row of rows) row.classList.add("hit");
    rows[0].scrollIntoView({ block: "center" });
  }

  form.addEventListener("submit", (event) => event.preventDefault());
  query.addEventListener("input", changed);
  for (const { control } of filters) control.addEventListener("change", changed);
  window.addEventListener("hashchange", showTarget);
  form.hidden = false;
  apply();
  showTarget();
})();
