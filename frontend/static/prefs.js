// A choice this browser remembers (localStorage), such as the customers list's columns.
//
// On mount it reports what is stored under `name` (onLoad({stored: text or null})); afterwards every `value` the app
// renders (text, never null) is stored. The app renders no value before it heard onLoad, so a default
// shown meanwhile never overwrites what the user chose last time.

function read(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage switched off (private mode, policy): the app keeps its default
  }
}

function write(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // as above: the choice lasts for this page only
  }
}

export function bind() {
  let reported = null; // the key whose stored value was reported

  return {
    create: (type, props) => props,
    render: (props) => {
      const key = "crm." + props.name;
      if (reported !== key) {
        reported = key;
        if (props.onLoad) props.onLoad({ stored: read(key) }); // an object: ReactPy sends events as objects
        return;
      }
      if (typeof props.value === "string") write(key, props.value);
    },
    unmount: () => {},
  };
}

export const Pref = "crm-pref";
