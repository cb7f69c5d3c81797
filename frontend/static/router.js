// Client-side navigation for the CRM's single page.
//
// Clicks on internal links and the back/forward buttons change the URL with the History API and
// tell the ReactPy app (onNavigate(path)) instead of loading a new page; the app asks for a new
// URL by rendering a different `path` prop, and for a full page load (sign-in) with `reload`.

const LEAVING_GRACE_MS = 5000;
const SAVING_AT_MOST_MS = 15000; // a busy form frees itself after this even if the page never changed
const SCREENS = /^\/(dashboard|customers|contacts|duplicates|leads|pipeline|deals|campaigns|tasks|notifications|admin|import|segments|reports|relationships|tickets)?(\/[^/]*)?$/;

function here() {
  return window.location.pathname + window.location.search;
}

// The top bar's search box (components/search.py), handled here so keys act at once, without a round
// trip: Ctrl+K (Cmd+K) or "/" outside a field focuses it; the arrows walk its results, Enter opens the
// focused one (the first while still in the box), Escape leaves it.
function searchKeys(event) {
  const box = document.querySelector("[data-global-search]");
  if (!box) return;
  const inField = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
  const shortcut = (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k";
  if (shortcut || (event.key === "/" && !inField && !event.ctrlKey && !event.metaKey && !event.altKey)) {
    event.preventDefault();
    box.focus();
    box.select();
    return;
  }
  const search = event.target.closest && event.target.closest(".global-search");
  if (!search) return;
  const hits = Array.from(search.querySelectorAll("[data-search-hit]"));
  const at = hits.indexOf(document.activeElement);
  if ((event.key === "ArrowDown" || event.key === "ArrowUp") && hits.length) {
    event.preventDefault();
    const next = at < 0 ? (event.key === "ArrowDown" ? 0 : hits.length - 1) : at + (event.key === "ArrowDown" ? 1 : -1);
    (next < 0 || next >= hits.length ? box : hits[next]).focus();
  } else if (event.key === "Enter" && event.target === box && hits.length) {
    event.preventDefault();
    hits[0].click();
  } else if (event.key === "Escape") {
    document.activeElement.blur();
  }
}

// A menu opened by a toggle marked data-closes-outside (the bell) closes on a click elsewhere or Escape,
// by clicking its toggle, so the app's state says closed too.
function closeMenus(event) {
  for (const toggle of document.querySelectorAll("[data-closes-outside][aria-expanded=true]")) {
    const outside = event.type === "click" && !toggle.parentElement.contains(event.target);
    if (outside || (event.type === "keydown" && event.key === "Escape")) toggle.click();
  }
}

export function bind() {
  let onNavigate = null;
  let shown = null; // the last `path` prop, so only changes of it move the browser
  const echoes = []; // paths we reported that the app has not rendered back yet
  // A plain form this page submitted (Sign out) is taking the browser elsewhere. The app may ask for
  // a reload meanwhile (its own stream hears the session end before the form's response arrives);
  // that reload would cancel the form's navigation, so it waits and happens only if we are still here.
  let leaving = false;

  function report() {
    const path = here();
    echoes.push(path);
    if (onNavigate) onNavigate(path);
  }

  function onClick(event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest && event.target.closest("a[href]");
    // getAttribute, not .href and .target: on an SVG link (a chart's bar) those are objects, not strings.
    if (!link || link.getAttribute("target") || link.hasAttribute("download")) return;
    const url = new URL(link.getAttribute("href"), window.location.href);
    if (url.origin !== window.location.origin || !SCREENS.test(url.pathname)) return;
    event.preventDefault();
    const path = url.pathname + url.search;
    if (path !== here()) {
      window.history.pushState(null, "", path);
      window.scrollTo(0, 0);
    }
    report();
  }

  function onPopState() {
    report();
  }

  function onSubmit(event) {
    if (!event.defaultPrevented) {
      leaving = true; // the app's own forms prevent it and stay on the page
      return;
    }
    saving(event.target);
  }

  // Saving: an app form is sent to the server, which answers by changing the page (the panel closes, an
  // error appears). Until then the form shows "Saving…" on its submit button and refuses a second submit,
  // so a double tap on a slow phone connection does not save twice. Done here, once, for every form of
  // every screen; the look is crm.css's form.is-saving.
  function saving(form) {
    if (!(form instanceof HTMLFormElement)) return;
    form.classList.add("is-saving");
    form.setAttribute("aria-busy", "true");
    const area = form.parentElement || form;
    const done = () => {
      watcher.disconnect();
      clearTimeout(timer);
      form.classList.remove("is-saving");
      form.removeAttribute("aria-busy");
    };
    const watcher = new MutationObserver(done);
    watcher.observe(area, { childList: true, subtree: true, characterData: true });
    const timer = setTimeout(done, SAVING_AT_MOST_MS);
  }

  function refuseWhileSaving(event) {
    if (event.target instanceof HTMLFormElement && event.target.classList.contains("is-saving")) {
      event.preventDefault();
      event.stopImmediatePropagation(); // before the form's own handler: nothing is sent twice
    }
  }

  // Native autofocus acts once per document, and this single page mounts its dialogs and forms later:
  // an element added with autofocus is focused here, so the keyboard starts inside a dialog, not behind it.
  const focuser = new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (!(node instanceof Element)) continue;
        const target = node.matches("[autofocus]") ? node : node.querySelector("[autofocus]");
        if (target) {
          target.focus();
          return;
        }
      }
    }
  });
  focuser.observe(document.body, { childList: true, subtree: true });

  document.addEventListener("click", onClick);
  document.addEventListener("submit", refuseWhileSaving, true);
  document.addEventListener("submit", onSubmit);
  document.addEventListener("keydown", searchKeys);
  document.addEventListener("click", closeMenus);
  document.addEventListener("keydown", closeMenus);
  document.documentElement.dataset.keys = "bound"; // the shortcuts work from now on (tests wait for it)
  window.addEventListener("popstate", onPopState);

  return {
    create: (type, props) => props,
    render: (props) => {
      onNavigate = props.onNavigate || null;
      if (props.title) document.title = props.title;
      if (props.reload) {
        const reload = () => window.location.assign(props.reload);
        if (leaving) setTimeout(reload, LEAVING_GRACE_MS);
        else reload();
        return;
      }
      if (!props.path || props.path === shown) return;
      shown = props.path;
      const echoed = echoes.indexOf(props.path);
      if (echoed >= 0) {
        echoes.splice(0, echoed + 1);
        return;
      }
      if (props.path !== here()) {
        if (props.replace) window.history.replaceState(null, "", props.path);
        else window.history.pushState(null, "", props.path);
        window.scrollTo(0, 0);
      }
    },
    unmount: () => {
      focuser.disconnect();
      document.removeEventListener("click", onClick);
      document.removeEventListener("submit", refuseWhileSaving, true);
      document.removeEventListener("submit", onSubmit);
      document.removeEventListener("keydown", searchKeys);
      document.removeEventListener("click", closeMenus);
      document.removeEventListener("keydown", closeMenus);
      window.removeEventListener("popstate", onPopState);
    },
  };
}

export const Router = "crm-router";
