// Cut-down actions/redirect-article.js for bench/instructions.sh (ACTION=..., SCENARIO=article;
// BENCHMARKS.md, "Where a redirect-flow login's instructions go"): 1 of 6, the flow alone: the
// first execution only redirects, the continue does nothing.
exports.onExecutePostLogin = async (event, api) => {
  api.redirect.sendUserTo('https://consent.example.com/terms');
};
exports.onContinuePostLogin = async (event, api) => {
};
