import ical from 'ical-generator';
import type { Booking } from './repository.js';

const serviceNames: Record<string, string> = {
  cold_plunge: 'Cold Plunge',
  infrared_sauna: 'Infrared Sauna',
  combo: 'Plunge + Sauna Combo',
};

/** The session as an iCalendar event for the customer's calendar (UTC times; the address as location). */
export function bookingCalendar(booking: Booking, publicUrl: string): string {
  const calendar = ical({ name: 'Recovery Machine', prodId: { company: 'Recovery Machine', product: 'bookings' } });
  const { street, city, state, zip } = booking.address;
  calendar.createEvent({
    id: `${booking.id}@recovery-machine`,
    start: booking.date_time,
    end: new Date(booking.date_time.getTime() + booking.duration * 60_000),
    summary: `Recovery Machine: ${serviceNames[booking.service_type] ?? booking.service_type}`,
    description: [booking.notes ? `Notes: ${booking.notes}` : '', `Booking ${booking.id}`].filter(Boolean).join('\n'),
    location: `${street}, ${city}, ${state} ${zip}`,
    url: `${publicUrl}/bookings/${booking.id}`,
    stamp: booking.updated_at,
  });
  return calendar.toString();
}
