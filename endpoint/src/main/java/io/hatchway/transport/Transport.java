package io.hatchway.transport;

import io.netty.channel.Channel;

/**
 * What a listener puts between the socket and the MQTT codec: nothing for plain TCP, a TLS handler, WebSocket
 * framing, or TLS then WebSocket. Implementations add their handlers at the end of the pipeline they are given.
 */
@FunctionalInterface
public interface Transport {

    /** Plain MQTT over TCP. */
    Transport TCP = channel -> {
    };

    void addTo(Channel channel);

    /** This transport followed by {@code next} (e.g. TLS, then WebSocket). */
    default Transport then(Transport next) {
        return channel -> {
            addTo(channel);
            next.addTo(channel);
        };
    }
}
