// The ledger team's currency tool, in Node.js: a fixed rate table (a real one would call the team's rates API).
const RATES = { EUR: 1.0, USD: 1.08, GBP: 0.85 };

export const handler = async (event) => {
  const { from, to } = event ?? {};
  if (typeof from !== "string" || typeof to !== "string" || !(from in RATES) || !(to in RATES)) {
    return { error: "invalid_request", message: `from and to must be one of ${Object.keys(RATES).join(", ")}` };
  }
  return { from, to, rate: RATES[to] / RATES[from] };
};
