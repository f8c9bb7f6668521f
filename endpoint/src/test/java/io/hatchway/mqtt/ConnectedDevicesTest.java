package io.hatchway.mqtt;

import io.hatchway.auth.GatewayDecisions;
import io.hatchway.registry.Application;
import io.hatchway.registry.Device;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class ConnectedDevicesTest {

    private final ConnectedDevices devices = new ConnectedDevices();
    private final Application app = new Application("my-app", false);
    private final Device device = new Device("my-app", "device1", false, List.of(), List.of(), Set.of());

    private Session arrived() {
        Session session = Session.attach(new EmbeddedChannel());
        session.attempt(devices.nextAttempt());
        session.established(app, device, new GatewayDecisions(null, "my-app", "device1"));
        return session;
    }

    @Test
    void laterConnectTakesOverTheRegisteredConnection() {
        Session first = arrived();
        Session second = arrived();
        assertEquals(Optional.empty(), devices.register(first));
        assertSame(first, devices.register(second).orElseThrow());
        assertSame(second, devices.get("my-app", "device1").orElseThrow());
    }

    @Test
    void olderConnectAuthenticatedLastDoesNotEvictTheNewerConnection() {
        Session older = arrived();
        Session newer = arrived();
        devices.register(newer);
        assertSame(older, devices.register(older).orElseThrow(), "the older attempt is the one to close");
        assertSame(newer, devices.get("my-app", "device1").orElseThrow());
    }

    @Test
    void closingTheReplacedConnectionKeepsItsSuccessorRegistered() {
        Session first = arrived();
        Session second = arrived();
        devices.register(first);
        devices.register(second);
        devices.unregister(first);
        assertSame(second, devices.get("my-app", "device1").orElseThrow());
        devices.unregister(second);
        assertEquals(Optional.empty(), devices.get("my-app", "device1"));
    }
}
