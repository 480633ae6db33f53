// Where the staff pages are: the route and its parameters live in the hash
// (#/ak?ak=SLUG&year=2026). Read by the views (organiser.js, staff.js).

export function param(name) {
  const query = location.hash.split("?")[1] || "";
  return new URLSearchParams(query).get(name);
}
