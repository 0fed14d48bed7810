import { Type } from 'typebox';

/** A US street address; registered once by the app as `Address`, which other schemas reference with Type.Ref('Address'). */
export const AddressSchema = Type.Object(
  {
    street: Type.String({ minLength: 1, maxLength: 200 }),
    city: Type.String({ minLength: 1, maxLength: 100 }),
    state: Type.String({ minLength: 2, maxLength: 2, pattern: '^[A-Za-z]{2}$', description: 'Two-letter US state' }),
    zip: Type.String({ pattern: '^[0-9]{5}(-[0-9]{4})?$' }),
  },
  { additionalProperties: false, $id: 'Address' },
);
