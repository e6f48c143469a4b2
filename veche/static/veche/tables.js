// Sortable tables: every `table.sortable` gets a button in each heading; a tap sorts the rows by that column
// (numbers as numbers, "12 345,6" and "12,345.6" alike; text in the page's language), a second tap reverses.
// A cell's data-sort, when present, is what it sorts by. Without scripts the table stays in its given order.
(() => {
  const number = (text) => {
    const t = text.replace(/[\s\u00a0\u202f%]/g, "");
    if (!/^[−-]?[\d.,]+$/.test(t)) return null;
    const normal = /,\d{1,2}$|,\d+$/.test(t) && !/\.\d+$/.test(t) ? t.replace(/\./g, "").replace(",", ".") : t.replace(/,/g, "");
    const value = parseFloat(normal.replace("−", "-"));
    return Number.isNaN(value) ? null : value;
  };
  const key = (row, i) => {
    const cell = row.cells[i];
    if (!cell) return "";
    return cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
  };
  const setUp = (table) => {
    const head = table.tHead && table.tHead.rows[0];
    const body = table.tBodies[0];
    if (!head || !body) return;
    const collator = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true });
    [...head.cells].forEach((th, i) => {
      // A heading that is a link already (sorted by the server) keeps it: a button around a link is two controls
      // in one, which a screen reader cannot tell apart.
      if (!th.textContent.trim() || th.querySelector("a, button")) return;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.append(...th.childNodes);
      th.append(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", () => {
        const up = th.getAttribute("aria-sort") !== "ascending";
        [...head.cells].forEach((other) => other.setAttribute("aria-sort", "none"));
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        const rows = [...body.rows];
        const numeric = rows.every((r) => { const k = key(r, i); return k === "" || k === "—" || number(k) !== null; });
        rows.sort((a, b) => {
          const x = key(a, i), y = key(b, i);
          const order = numeric ? (number(x) ?? -Infinity) - (number(y) ?? -Infinity) : collator.compare(x, y);
          return up ? order : -order;
        });
        body.append(...rows);
      });
    });
  };
  // A box that scrolls (a wide table on a phone, a long signed document) must be reachable from the keyboard,
  // or its hidden columns are for mouse and touch users only (WCAG 2.1.1). The pages' scrolling boxes are the
  // .scroll boxes and pre (at both widths, on every page of the sweep, whose axe check fails on any other).
  const focusable = (root) => {
    for (const box of root.querySelectorAll(".scroll, pre")) {
      const style = getComputedStyle(box);
      const scrolls = /auto|scroll/.test(style.overflowX + style.overflowY)
        && (box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1);
      if (scrolls && !box.hasAttribute("tabindex")) box.tabIndex = 0;
    }
  };
  const ready = (root) => { root.querySelectorAll("table.sortable").forEach(setUp); focusable(root); };
  document.addEventListener("DOMContentLoaded", () => ready(document));
  document.addEventListener("htmx:afterSwap", (e) => ready(e.detail.target));
})();
