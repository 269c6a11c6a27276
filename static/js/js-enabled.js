// GOV.UK Frontend styles its JavaScript-enhanced components only once these classes
// are set. Loaded (not inline, for the Content-Security-Policy) at the top of <body>,
// so that the page does not reflow when the components start.
document.body.className +=
  " js-enabled" +
  ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
