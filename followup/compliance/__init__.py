"""Going live in the US: the carriers' rules for texts (`rules`), the clinic's texts held
to them (`texts`), and the registration kit a clinic pastes into Twilio's forms (`kit`)."""
