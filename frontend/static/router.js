// Client-side navigation for the CRM's single page.
//
// Clicks on internal links and the back/forward buttons change the URL with the History API and
// tell the ReactPy app (onNavigate(path)) instead of loading a new page; the app asks for a new
// URL by rendering a different `path` prop, and for a full page load (sign-in) with `reload`.

const SCREENS = /^\/(customers|pipeline|campaigns|tasks)?(\/[^/]*)?$/;

function here() {
  return window.location.pathname + window.location.search;
}

export function bind() {
  let onNavigate = null;
  let shown = null; // the last `path` prop, so only changes of it move the browser
  const echoes = []; // paths we reported that the app has not rendered back yet

  function report() {
    const path = here();
    echoes.push(path);
    if (onNavigate) onNavigate(path);
  }

  function onClick(event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest && event.target.closest("a[href]");
    if (!link || link.target || link.hasAttribute("download")) return;
    const url = new URL(link.href, window.location.href);
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

  document.addEventListener("click", onClick);
  window.addEventListener("popstate", onPopState);

  return {
    create: (type, props) => props,
    render: (props) => {
      onNavigate = props.onNavigate || null;
      if (props.title) document.title = props.title;
      if (props.reload) {
        window.location.assign(props.reload);
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
      document.removeEventListener("click", onClick);
      window.removeEventListener("popstate", onPopState);
    },
  };
}

export const Router = "crm-router";
