/* dealdocs — a Web Worker stand-in for pages opened from a file share (file://).
 *
 * Browsers refuse `new Worker("file://…")`, so the site search (which runs in a worker) would die
 * when the knowledge base is opened from a network drive. This shim runs the worker script in a
 * hidden same-origin iframe instead: messages are delivered as events on each side, and
 * `importScripts` loads scripts with <script> tags (the search worker awaits it). Over http(s) it
 * does nothing. Written for dealdocs; no network access, no dependency.
 */
(function () {
  "use strict";
  if (location.protocol !== "file:" || typeof EventTarget !== "function") return;

  function clone(data) {
    try { return typeof structuredClone === "function" ? structuredClone(data) : data; }
    catch (e) { return data; }
  }

  function loadScript(doc, url) {
    return new Promise(function (resolve, reject) {
      var script = doc.createElement("script");
      script.src = url;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("cannot load " + url)); };
      doc.head.appendChild(script);
    });
  }

  class IFrameWorker extends EventTarget {
    constructor(url) {
      super();
      var self = this;
      var href = new URL(String(url), location.href).href;
      this.onmessage = null;
      this.onerror = null;
      this._queue = [];
      this._ready = false;
      var frame = document.createElement("iframe");
      frame.setAttribute("aria-hidden", "true");
      frame.setAttribute("tabindex", "-1");
      frame.style.display = "none";
      (document.body || document.documentElement).appendChild(frame);
      this._frame = frame;
      var win = frame.contentWindow;
      var doc = win.document;
      doc.open();
      doc.write("<!doctype html><html><head></head><body></body></html>");
      doc.close();
      // the worker's side: postMessage() answers the page, importScripts() loads in order
      win.postMessage = function (data) {
        var copy = clone(data);
        setTimeout(function () { self._deliver(copy); }, 0);
      };
      win.importScripts = function () {
        var urls = Array.prototype.slice.call(arguments);
        return urls.reduce(function (done, u) {
          return done.then(function () { return loadScript(doc, new URL(u, href).href); });
        }, Promise.resolve());
      };
      win.close = function () { self.terminate(); };
      win.onerror = function (message) { self._fail(message); };
      loadScript(doc, href).then(function () {
        self._ready = true;
        self._queue.splice(0).forEach(function (data) { self._send(data); });
      }, function (err) { self._fail(err.message); });
    }

    postMessage(data) {
      if (this._ready) this._send(clone(data)); else this._queue.push(clone(data));
    }

    terminate() {
      if (this._frame && this._frame.parentNode) this._frame.parentNode.removeChild(this._frame);
      this._frame = null;
    }

    _send(data) {
      var frame = this._frame;
      if (!frame) return;
      setTimeout(function () {
        var win = frame.contentWindow;
        if (win) win.dispatchEvent(new win.MessageEvent("message", { data: data }));
      }, 0);
    }

    _deliver(data) {
      var event = new MessageEvent("message", { data: data });
      if (typeof this.onmessage === "function") this.onmessage(event);
      this.dispatchEvent(event);
    }

    _fail(message) {
      var event = new ErrorEvent("error", { message: String(message) });
      if (typeof this.onerror === "function") this.onerror(event);
      this.dispatchEvent(event);
    }
  }

  window.IFrameWorker = IFrameWorker;  // the search worker looks for it to find its own folder
  window.Worker = IFrameWorker;
})();
