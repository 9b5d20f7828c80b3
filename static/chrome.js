// Streamlit's own words (aria labels, tooltips, placeholders, the uploader's and the date
// picker's texts) in the page's language. Served by the app itself (server.enableStaticServing,
// so the nginx Content-Security-Policy's script-src 'self' allows it) and loaded by
// pages/_chrome.py, which puts the rules of the language in use beside it as JSON
// (#sx-chrome-rules). A rule is [regular expression over the whole text, replacement with
// {0}.. for the groups, CSS selector the node must be inside or ""]. One watcher per tab; each
// load takes the latest rules.
(function () {
  const holder = document.getElementById("sx-chrome-rules");
  if (!holder) return;
  const rules = JSON.parse(holder.textContent);
  const state = window.__sxChrome || (window.__sxChrome = { rules: [], observer: null });
  state.rules = rules.map(([src, out, scope]) => [new RegExp("^(?:" + src + ")$"), out, scope]);
  const ATTRS = ["aria-label", "title", "placeholder", "aria-valuetext", "aria-roledescription"];

  function translate(value, element) {
    if (!value || !element) return null;
    const text = value.trim();
    if (!text) return null;
    for (const [re, out, scope] of state.rules) {
      if (scope && !element.closest(scope)) continue;
      const m = re.exec(text);
      if (m) return out.replace(/\{(\d)\}/g, (_, i) => m[Number(i) + 1] || "");
    }
    return null;
  }

  function fixNode(node) {
    if (node.nodeType === Node.TEXT_NODE) {
      const done = translate(node.nodeValue, node.parentElement);
      if (done !== null && done !== node.nodeValue) node.nodeValue = done;
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    for (const name of ATTRS) {
      const value = node.getAttribute(name);
      const done = translate(value, node);
      if (done !== null && done !== value) node.setAttribute(name, done);
    }
  }

  function fixTree(root) {
    fixNode(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) fixNode(node);
  }

  if (!state.observer) {
    state.observer = new MutationObserver((mutations) => {
      for (const m of mutations) {
        if (m.type === "childList") m.addedNodes.forEach(fixTree);
        else fixNode(m.target);
      }
    });
    state.observer.observe(document.documentElement, {
      subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ATTRS,
    });
  }
  fixTree(document.documentElement);
})();
