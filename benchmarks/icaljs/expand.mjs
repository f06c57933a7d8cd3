// The ical.js side of benchmarks/compare_icaljs.py: one calendar's occurrences as JSON.
//
//   node expand.mjs FILE WINDOW_START WINDOW_END ZONES_ICS CLINIC_TZID
//
// ZONES_ICS holds VTIMEZONEs for the IANA names the corpus uses (written by the Python
// side from tzdata): ical.js knows no zone but UTC on its own, and a client that runs it
// (Thunderbird) registers the IANA zones the same way. A file's own VTIMEZONE wins over
// them. Floating times, and times whose TZID ical.js cannot find, are read in CLINIC_TZID,
// as followup reads floating times; the second kind is flagged so it is not judged.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [file, windowStartText, windowEndText, zonesFile, clinicTzid] = process.argv.slice(2);
const windowStart = Date.parse(windowStartText) / 1000;
const windowEnd = Date.parse(windowEndText) / 1000;
// A rule that never reaches the window (MINUTELY from 1997) must not stall the run.
// Counted in steps, not time, so that a run on a busy machine gives the same figures.
const MAX_STEPS = 200000;

for (const zone of components(readFileSync(zonesFile, "utf8"), "vtimezone")) {
  ICAL.TimezoneService.register(zone);
}
const clinicZone = ICAL.TimezoneService.get(clinicTzid);

function components(text, name) {
  const parsed = ICAL.parse(text);
  // One VCALENDAR parses to a jCal array, several to an array of them.
  const roots = typeof parsed[0] === "string" ? [parsed] : parsed;
  return roots.flatMap((root) => new ICAL.Component(root).getAllSubcomponents(name));
}

function seconds(time) {
  // ical.js reads a floating time as UTC; followup reads it as clinic time, and so do we.
  if (time.zone === ICAL.Timezone.localTimezone) {
    const local = time.clone();
    local.zone = clinicZone;
    return local.toUnixTime();
  }
  return time.toUnixTime();
}

function iso(time) {
  if (time.isDate) return time.toString();
  return new Date(seconds(time) * 1000).toISOString().replace(".000Z", "Z");
}

// A TZID that neither the file nor the registered IANA zones define: ical.js floats it.
function unknownTzids(component) {
  const unknown = [];
  for (const name of ["dtstart", "dtend", "recurrence-id"]) {
    const prop = component.getFirstProperty(name);
    const tzid = prop?.getParameter("tzid");
    if (tzid && prop.getFirstValue()?.zone === ICAL.Timezone.localTimezone) unknown.push(tzid);
  }
  return unknown;
}

// DTEND with no zone beside a DTSTART with one: ical.js reads that DTEND as UTC.
function zonelessEnd(component) {
  const start = component.getFirstPropertyValue("dtstart");
  const end = component.getFirstPropertyValue("dtend");
  if (!start || !end || start.isDate || end.isDate) return false;
  const floating = (t) => t.zone === ICAL.Timezone.localTimezone;
  return !floating(start) && floating(end) && !component.getFirstProperty("dtend").getParameter("tzid");
}

// A file's VTIMEZONE with a list of RDATEs in one line: ical.js reads only the first.
function rdateList(time) {
  const observances = time.zone?.component?.getAllSubcomponents() ?? [];
  if (time.zone === clinicZone || ICAL.TimezoneService.get(time.zone?.tzid) === time.zone) {
    return false; // our own zones, written one RDATE a line
  }
  return observances.some((o) => o.getAllProperties("rdate").some((p) => p.getValues().length > 1));
}

// The zone's earliest observance: a time before it is outside what the VTIMEZONE says.
function coverageStart(time) {
  const zone = time.zone;
  if (!zone?.component || zone === clinicZone) return null;
  const starts = zone.component
    .getAllSubcomponents()
    .map((o) => o.getFirstPropertyValue("dtstart"))
    .filter(Boolean)
    .map((t) => t.toString());
  return starts.length ? starts.sort()[0] : null;
}

// Past the last onset of a file's VTIMEZONE that has no rule: its last offset holds forever.
function afterZone(time) {
  const zone = time.zone;
  if (!zone?.component || zone === clinicZone || ICAL.TimezoneService.get(zone.tzid) === zone) {
    return false;
  }
  const observances = zone.component.getAllSubcomponents();
  if (observances.some((o) => o.hasProperty("rrule"))) return false;
  const onsets = observances.flatMap((o) => [
    o.getFirstPropertyValue("dtstart")?.toString(),
    ...o.getAllProperties("rdate").flatMap((p) => p.getValues().map(String)),
  ]);
  return onsets.every((onset) => !onset || onset < time.toString());
}

// ical.js takes an observance's onsets from its RDATEs alone when it has some, dropping the
// DTSTART onset (RFC 5545: DTSTART is the first onset): true for a time in that gap.
function skippedOnset(time) {
  const zone = time.zone;
  const first = coverageStart(time);
  if (first === null || !(time.toString() >= first)) return false;
  time.utcOffset(); // fills zone.changes
  const change = zone.changes[0];
  if (!change) return true;
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  const onset = `${pad(change.year, 4)}-${pad(change.month)}-${pad(change.day)}T${pad(change.hour)}:${pad(change.minute)}:${pad(change.second)}`;
  return time.toString() < onset;
}

// An instance the rule's own BYMONTH/BYMONTHDAY exclude: ical.js rolls FEB 30 into March.
function outsideRule(details, master) {
  if (details.item && details.item !== master) return false; // an override's own time
  const rule = master.component.getFirstPropertyValue("rrule");
  if (!rule || details.recurrenceId.isDate) return false;
  const id = details.recurrenceId;
  const days = rule.parts.BYMONTHDAY ?? [];
  const months = rule.parts.BYMONTH ?? [];
  if (days.length && days.every((d) => d > 0) && !days.includes(id.day)) return true;
  return months.length > 0 && !months.includes(id.month);
}

function occurrence(details, master) {
  const item = details.item ?? master;
  const start = details.startDate;
  const end = details.endDate;
  const firstObservance = coverageStart(start);
  return {
    uid: master.uid,
    start: iso(start),
    end: iso(end),
    allDay: start.isDate,
    recurrenceId: master.isRecurring() ? iso(details.recurrenceId) : null,
    cancelled: String(item.component.getFirstPropertyValue("status") ?? "").toUpperCase() === "CANCELLED",
    unknownTzids: unknownTzids(item.component),
    zonelessEnd: zonelessEnd(item.component),
    beforeZone: firstObservance !== null && start.toString() < firstObservance,
    rdateList: rdateList(start),
    outsideRule: outsideRule(details, master),
    afterZone: !start.isDate && afterZone(start),
    skippedOnset: !start.isDate && skippedOnset(start),
  };
}

function inWindow(details) {
  const start = details.startDate;
  const end = details.endDate;
  const s = start.isDate ? dateSeconds(start) : seconds(start);
  const e = end.isDate ? dateSeconds(end) : seconds(end);
  // Overlapping the window, as followup's expansion (recurring_ical_events.between) counts.
  return s < windowEnd && (e > windowStart || (e === s && s >= windowStart));
}

function dateSeconds(date) {
  const t = date.clone();
  t.isDate = false;
  t.zone = clinicZone;
  return t.toUnixTime();
}

function expand(master, overrides) {
  const found = [];
  const used = new Set();
  const iterator = master.iterator();
  let steps = 0;
  for (let next = iterator.next(); next; next = iterator.next()) {
    if (++steps > MAX_STEPS) {
      return { found, used, capped: true };
    }
    const details = master.getOccurrenceDetails(next);
    if (details.item && details.item !== master) used.add(details.item);
    if (inWindow(details)) found.push(occurrence(details, master));
    // An override may move an occurrence into the window from a little past it.
    if (seconds(next) > windowEnd + 366 * 86400) break;
    if (!master.isRecurring()) break;
  }
  return { found, used, capped: false };
}

function main() {
  const out = { occurrences: [], errors: [], unmatchedOverrides: [], multipleRrules: [] };
  let events;
  try {
    events = components(readFileSync(file, "utf8"), "vevent").map((c) => new ICAL.Event(c));
  } catch (error) {
    out.fileError = String(error?.message ?? error);
    return out;
  }
  const byUid = new Map();
  for (const event of events) {
    const uid = String(event.uid ?? "").trim();
    if (!byUid.has(uid)) byUid.set(uid, { masters: [], overrides: [] });
    byUid.get(uid)[event.isRecurrenceException() ? "overrides" : "masters"].push(event);
  }
  for (const [uid, { masters, overrides }] of byUid) {
    if (!uid) continue; // followup refuses an event with no UID; nothing to match on
    const used = new Set();
    for (const [index, master] of masters.entries()) {
      if (master.component.getAllProperties("rrule").length > 1) out.multipleRrules.push(uid);
      try {
        // A repeated UID without RECURRENCE-ID is non-conforming: overrides go to the first.
        if (index === 0) for (const o of overrides) master.relateException(o);
        const result = expand(master, overrides);
        out.occurrences.push(...result.found);
        for (const item of result.used) used.add(item);
        if (result.capped) out.errors.push({ uid, error: "expansion capped", capped: true });
      } catch (error) {
        out.errors.push({ uid, error: String(error?.message ?? error) });
      }
    }
    for (const o of overrides) {
      if (used.has(o)) continue;
      try {
        out.unmatchedOverrides.push({ uid, start: iso(o.startDate), master: masters.length > 0 });
      } catch (error) {
        out.errors.push({ uid, error: String(error?.message ?? error) });
      }
    }
  }
  return out;
}

process.stdout.write(JSON.stringify(main()));
