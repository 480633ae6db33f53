// Which districts the home screen lists, from the phone's copy of the API answers (data.js).
// Pure functions, no imports: data.js, outlines.js, home.js and district.js all read it.

// Assigned districts first, then the AK's other prioritised ones.
export function districtList(data) {
  const assigned = (data.assignments || []).map((a) => ({
    district: a.district,
    progress: a.progress,
    assigned: true,
  }));
  const seen = new Set(assigned.map((a) => a.district.id));
  const others = (data.districts || [])
    .filter((d) => d.district.prioritised && d.district.active !== false && !seen.has(d.district.id))
    .map((d) => ({ district: d.district, progress: d.progress, assigned: false }));
  return { assigned, others };
}

export function findDistrict(data, id) {
  const { assigned, others } = districtList(data);
  const all = [...assigned, ...others, ...(data.districts || [])];
  return all.find((d) => d.district.id === id) || null;
}
