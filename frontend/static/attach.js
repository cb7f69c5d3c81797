// The attachments panel's drop zone and file picker (frontend/components/attachments.py).
//
// The UI's websocket carries events, not file bytes, so the browser sends files itself: one GraphQL
// multipart request per file to /graphql (attachFile), signed in by the session cookie and sent with the
// page's Origin, which the server requires of cookie uploads. The panel's list follows by its
// attachmentsChanged subscription; `onDone({ok, name, message, field})` reports each file to the app.

const ATTACH = "mutation Attach($input: AttachFileInput!) { attachFile(input: $input) { id } }";

async function send(recordType, recordId, file) {
  const form = new FormData();
  form.append("operations", JSON.stringify({
    query: ATTACH, variables: { input: { recordType, recordId, file: null } },
  }));
  form.append("map", JSON.stringify({ 0: ["variables.input.file"] }));
  form.append("0", file, file.name);
  try {
    const response = await fetch("/graphql", { method: "POST", body: form, credentials: "same-origin" });
    const answer = await response.json().catch(() => ({}));
    const error = (answer.errors || [])[0];
    if (!response.ok || error) {
      return { ok: false, name: file.name, message: (error && error.message) || `upload failed (${response.status})` };
    }
    return { ok: true, name: file.name, message: "" };
  } catch (failure) {
    return { ok: false, name: file.name, message: "the connection failed: try again" };
  }
}

export function bind(node) {
  let props = {};
  let zone = null;

  async function upload(files) {
    const picked = Array.from(files || []);
    if (!picked.length || !props.recordType) return;
    zone.classList.add("busy");
    zone.querySelector(".dropzone-text").textContent = `Uploading ${picked.length === 1 ? picked[0].name : picked.length + " files"}…`;
    for (const file of picked) {
      const result = await send(props.recordType, props.recordId, file);
      if (props.onDone) props.onDone(result);
    }
    zone.classList.remove("busy");
    zone.querySelector(".dropzone-text").textContent = props.label || "Drop files here or choose…";
  }

  function build() {
    zone = document.createElement("label");
    zone.className = "dropzone";
    const input = document.createElement("input");
    input.type = "file";
    input.multiple = true;
    input.className = "dropzone-input";
    input.setAttribute("aria-label", "Attach files");
    input.addEventListener("change", () => {
      upload(input.files).finally(() => { input.value = ""; });
    });
    const text = document.createElement("span");
    text.className = "dropzone-text";
    zone.append(input, text);
    zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("over");
      upload(event.dataTransfer && event.dataTransfer.files);
    });
    // One zone per mount point: a re-bound component (ReactPy may bind again on the same node) replaces it.
    node.querySelectorAll(":scope > .dropzone").forEach((old) => old.remove());
    node.appendChild(zone);
  }

  return {
    create: (type, given) => given,
    render: (given) => {
      props = given || {};
      if (!zone) build();
      if (!zone.classList.contains("busy")) zone.querySelector(".dropzone-text").textContent = props.label || "Drop files here or choose…";
    },
    unmount: () => { if (zone) zone.remove(); zone = null; },
  };
}

export const Uploader = "crm-uploader";
