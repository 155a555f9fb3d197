// Parse an iCalendar feed (standard input) with Mozilla's ICAL.js and print JSON:
// the calendar's properties and every VEVENT with its times resolved through the feed's
// own VTIMEZONEs. Run with TZ=UTC so a floating or unknown zone cannot pass unnoticed.
import ICAL from "ical.js";
import { readFileSync } from "node:fs";

const text = readFileSync(0, "utf8");
const calendar = new ICAL.Component(ICAL.parse(text));

const timezones = calendar.getAllSubcomponents("vtimezone").map((vtimezone) => {
  const zone = new ICAL.Timezone(vtimezone);
  ICAL.TimezoneService.register(zone);
  return zone.tzid;
});

const value = (component, name) => {
  const property = component.getFirstProperty(name);
  return property ? property.getFirstValue() : null;
};
const asText = (time) => (time ? time.toString() : null);

function timeOf(time) {
  if (!time) return null;
  return {
    local: time.toString(),
    tzid: time.zone ? time.zone.tzid : null,
    utc: time.toJSDate().toISOString(),
    isDate: time.isDate,
  };
}

const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  const categories = vevent.getAllProperties("categories").flatMap((p) => p.getValues());
  const alarms = vevent.getAllSubcomponents("valarm").map((valarm) => {
    const trigger = valarm.getFirstPropertyValue("trigger");
    return {
      action: value(valarm, "action"),
      description: value(valarm, "description"),
      trigger_seconds: trigger && trigger.toSeconds ? trigger.toSeconds() : null,
    };
  });
  return {
    uid: event.uid,
    summary: event.summary,
    description: event.description,
    location: event.location,
    status: value(vevent, "status"),
    sequence: event.sequence,
    start: timeOf(event.startDate),
    end: timeOf(event.endDate),
    dtstart_tzid: vevent.getFirstProperty("dtstart").getParameter("tzid") || null,
    dtstamp: asText(value(vevent, "dtstamp")),
    last_modified: asText(value(vevent, "last-modified")),
    created: asText(value(vevent, "created")),
    url: value(vevent, "url"),
    categories,
    alarms,
  };
});

const refresh = value(calendar, "refresh-interval");
const ttl = value(calendar, "x-published-ttl");
console.log(JSON.stringify({
  prodid: value(calendar, "prodid"),
  version: value(calendar, "version"),
  name: value(calendar, "name"),
  x_wr_calname: value(calendar, "x-wr-calname"),
  refresh_interval: refresh ? refresh.toString() : null,
  refresh_value_type: calendar.getFirstProperty("refresh-interval")?.type ?? null,
  x_published_ttl: ttl ? ttl.toString() : null,
  timezones,
  events,
}));
