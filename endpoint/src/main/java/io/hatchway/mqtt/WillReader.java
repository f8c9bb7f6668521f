package io.hatchway.mqtt;

import io.cloudevents.CloudEvent;
import io.hatchway.dialect.PublishTarget;
import io.hatchway.events.EventMapper;
import io.hatchway.events.InvalidPayloadException;
import io.hatchway.registry.Registry;

import java.time.Instant;
import java.util.Optional;

/**
 * Turns a will into the event it becomes, read like a publish of the connection: with the connection's dialect,
 * for another device only if the gateway rule allows it (otherwise there is no event, as a publish there would be
 * refused); a topic the dialect cannot read becomes the channel as it is. A payload not matching its declared JSON
 * content type goes out as plain bytes rather than being lost. Event-loop only (it uses the session's caches).
 */
public final class WillReader {

    private final Registry registry;
    private final EventMapper mapper;

    public WillReader(Registry registry, EventMapper mapper) {
        this.registry = registry;
        this.mapper = mapper;
    }

    /** The event of a will, built when the will is published (its {@code time} is then). */
    record WillEvent(EventMapper mapper, String application, String device, String sender, String channel,
                     Will will) {
        CloudEvent build() {
            Instant now = Instant.now();
            try {
                return mapper.map(application, device, sender, channel, will.payload(), will.contentType(), now);
            } catch (InvalidPayloadException e) {
                return mapper.map(application, device, sender, channel, will.payload(), null, now);
            }
        }
    }

    /** What the will becomes, read now with the connection's dialect; empty if it may not be published. */
    Optional<WillEvent> read(Session session, Will will) {
        String self = session.device().name();
        String device = self;
        String channel = will.topic();
        Optional<PublishTarget> target = session.dialect(registry.current()).parse(will.topic());
        if (target.isPresent()) {
            Optional<String> allowed = target.get().forSelf() ? Optional.of(self)
                    : session.gateways().authorize(target.get().device());
            if (allowed.isEmpty()) {
                return Optional.empty();
            }
            device = allowed.get();
            channel = target.get().channel();
        }
        return Optional.of(new WillEvent(mapper, session.application().name(), device, self, channel, will));
    }
}
