// Shows, on every page, the response headers that say what the edge did with it.
// A HEAD request for the page itself goes through the same edge, so its headers describe
// how this URL is being served right now (X-Cache: Hit from cloudfront after the first view).
"use strict";

const EDGE_HEADERS = ["X-Cache", "Age", "X-Amz-Cf-Pop", "Server-Timing", "Cache-Control", "ETag"];

function renderEdgeHeaders(headers) {
  const panel = document.getElementById("edge-headers");
  if (!panel) {
    return;
  }
  const list = document.createElement("dl");
  for (const name of EDGE_HEADERS) {
    const term = document.createElement("dt");
    term.textContent = name;
    const value = document.createElement("dd");
    const text = headers.get(name);
    value.textContent = text === null ? "(not sent)" : text;
    if (text === null) {
      value.className = "absent";
    }
    list.append(term, value);
  }
  panel.replaceChildren(panel.querySelector("h2"), list);
}

async function showEdgeHeaders() {
  try {
    const response = await fetch(location.href, { method: "HEAD" });
    renderEdgeHeaders(response.headers);
  } catch (error) {
    const panel = document.getElementById("edge-headers");
    if (panel) {
      panel.append(`Could not read the headers: ${error}`);
    }
  }
}

document.addEventListener("DOMContentLoaded", showEdgeHeaders);
