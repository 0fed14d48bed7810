import ical from 'ical-generator';
import type { Booking } from './repository.js';

const serviceNames: Record<string, string> = {
  cold_plunge: 'Cold Plunge',
  infrared_sauna: 'Infrared Sauna',
  combo: 'Plunge + Sauna Combo',
};

/** What the calendar file needs of a booking (the booking itself, or a message's snapshot of it). */
export type CalendarSession = Pick<Booking, 'id' | 'date_time' | 'duration' | 'service_type' | 'notes' | 'updated_at'> & { address: Booking['address'] | null };

/** The session as an iCalendar event for the customer's calendar (UTC times; the address as location). */
export function bookingCalendar(booking: CalendarSession, publicUrl: string): string {
  const calendar = ical({ name: 'Recovery Machine', prodId: { company: 'Recovery Machine', product: 'bookings' } });
  calendar.createEvent({
    id: `${booking.id}@recovery-machine`,
    start: booking.date_time,
    end: new Date(booking.date_time.getTime() + booking.duration * 60_000),
    summary: `Recovery Machine: ${serviceNames[booking.service_type] ?? booking.service_type}`,
    description: [booking.notes ? `Notes: ${booking.notes}` : '', `Booking ${booking.id}`].filter(Boolean).join('\n'),
    location: booking.address ? `${booking.address.street}, ${booking.address.city}, ${booking.address.state} ${booking.address.zip}` : null,
    url: `${publicUrl}/bookings/${booking.id}`,
    stamp: booking.updated_at,
  });
  return calendar.toString();
}
