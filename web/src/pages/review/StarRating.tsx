import { useId } from 'react';

const words = ['', 'Poor', 'Fair', 'Good', 'Very good', 'Excellent'];

/**
 * 1–5 stars as a native radio group (arrow keys move, Space picks), each radio named
 * "1 star" … "5 stars"; the stars are drawn by the labels, the radios sit on top of them.
 */
export function StarRating({ value, onChange, error }: { value: number; onChange: (n: number) => void; error?: string }) {
  const name = useId();
  return (
    <fieldset className="star-rating" aria-describedby={error ? `${name}-error` : undefined}>
      <legend>Your rating</legend>
      <div className="star-options">
        {[1, 2, 3, 4, 5].map((n) => (
          <label key={n} className={`star-option${n <= value ? ' on' : ''}`}>
            <input type="radio" name={name} value={n} checked={value === n} onChange={() => onChange(n)} />
            <span aria-hidden="true">★</span>
            <span className="visually-hidden">{n === 1 ? '1 star' : `${n} stars`}</span>
          </label>
        ))}
      </div>
      <p className="field-hint" aria-live="polite">
        {value ? `${value} of 5 stars: ${words[value]}` : 'Choose from 1 to 5 stars.'}
      </p>
      {error && (
        <p id={`${name}-error`} className="field-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
