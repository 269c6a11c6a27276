// Starts GOV.UK Frontend's components. Not inline, for the Content-Security-Policy.
// The page names GOV.UK Frontend's file in data-govuk-frontend, so that it is the
// versioned file name that collectstatic wrote.
const script = document.querySelector("script[data-govuk-frontend]");
import(script.dataset.govukFrontend).then(({ initAll }) => initAll());
