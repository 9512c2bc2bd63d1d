-- The design status of controls and the roadmap pins, per engagement. Every change is also
-- recorded in the change log (entities control_status and roadmap_pin), which keeps the history.

CREATE TABLE control_status (
    engagement TEXT NOT NULL,
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (engagement, entity, key)
);
