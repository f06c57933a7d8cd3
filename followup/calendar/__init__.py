"""Calendar sources: each module turns one format into `AppointmentEvent`s."""
