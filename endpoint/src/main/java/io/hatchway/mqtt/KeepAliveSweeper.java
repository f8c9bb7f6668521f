package io.hatchway.mqtt;

import io.netty.handler.codec.mqtt.MqttReasonCodes;

/**
 * Ends connections that sent nothing for one and a half times their keep-alive [MQTT-3.1.2-24] (MQTT 5: DISCONNECT
 * 0x8D Keep Alive timeout). One periodic sweep over the connected devices instead of a timer per connection keeps
 * idle connections small; time during which the endpoint itself does not read a socket (back-pressure from the
 * sink) does not count against the client. Runs on any thread.
 */
public final class KeepAliveSweeper implements Runnable {

    /** How often connections are checked: a timeout is noticed within this much of its due time. */
    public static final long PERIOD_MILLIS = 250;

    private final ConnectedDevices devices;

    public KeepAliveSweeper(ConnectedDevices devices) {
        this.devices = devices;
    }

    @Override
    public void run() {
        long now = System.currentTimeMillis();
        devices.forEach(session -> {
            if (session.keepAliveExpired(now)) {
                Disconnector.disconnect(session, MqttReasonCodes.Disconnect.KEEP_ALIVE_TIMEOUT,
                        "nothing received for 1.5 times the keep-alive");
            }
        });
    }
}
