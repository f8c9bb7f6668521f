package io.hatchway.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OptionParserTest {

    @Test
    void defaultsPublishQos1WithAWindowToLocalhostForThirtySeconds() throws Exception {
        Options o = OptionParser.parse();
        assertEquals("127.0.0.1", o.host());
        assertEquals(1883, o.port());
        assertEquals(TransportKind.TCP, o.transport());
        assertEquals(Options.ClientKind.NETTY, o.client());
        assertEquals(OptionalInt.empty(), o.devices());
        assertEquals(0, o.firstDevice());
        assertEquals("my-app", o.app());
        assertEquals(1, o.qos());
        assertEquals(Optional.empty(), o.rate());
        assertEquals(16, o.window());
        assertEquals(64, o.payloadBytes());
        assertEquals(Duration.ofSeconds(30), o.duration());
        assertEquals(Duration.ZERO, o.warmup());
        assertFalse(o.soak());
        assertEquals(5, o.mqttVersion());
        assertEquals("temp", o.topic());
        assertTrue(o.publishes());
    }

    @Test
    void everyOptionIsReadInBothSpellings() throws Exception {
        Options o = OptionParser.parse("--host", "localhost", "--port=1884", "--transport", "tls", "--ca", "ca.pem",
                "--devices", "50", "--first-device=7", "--app=fleet", "--password-prefix", "pw-", "--registry-out", "reg.yaml",
                "--connect-rate", "250.5", "--qos", "0", "--rate", "20000", "--window", "8", "--payload", "128",
                "--warmup", "5s", "--duration", "500ms", "--mqtt", "3", "--topic", "status", "--summary-json",
                "out.json", "--verify-file", "events.jsonl", "--verify-timeout", "1m", "--client", "hivemq",
                "--server-pid", "42");
        assertEquals("localhost", o.host());
        assertEquals(1884, o.port());
        assertEquals(TransportKind.TLS, o.transport());
        assertEquals(Optional.of(Path.of("ca.pem")), o.ca());
        assertEquals(OptionalInt.of(50), o.devices());
        assertEquals(7, o.firstDevice());
        assertEquals("fleet", o.app());
        assertEquals("pw-", o.passwordPrefix());
        assertEquals(Optional.of(Path.of("reg.yaml")), o.registryOut());
        assertEquals(250.5, o.connectRate());
        assertEquals(0, o.qos());
        assertEquals(Optional.of(20_000L), o.rate());
        assertEquals(8, o.window());
        assertEquals(128, o.payloadBytes());
        assertEquals(Duration.ofSeconds(5), o.warmup());
        assertEquals(Duration.ofMillis(500), o.duration());
        assertEquals(3, o.mqttVersion());
        assertEquals("status", o.topic());
        assertEquals(Optional.of(Path.of("out.json")), o.summaryJson());
        assertEquals(Optional.of(new Options.VerifyTarget.File(Path.of("events.jsonl"))), o.verify());
        assertEquals(Duration.ofMinutes(1), o.verifyTimeout());
        assertEquals(Options.ClientKind.HIVEMQ, o.client());
        assertEquals(42L, o.serverPid().getAsLong());
    }

    @Test
    void transportChoosesTheDefaultPort() throws Exception {
        assertEquals(8083, OptionParser.parse("--transport", "ws").port());
        assertEquals(8883, OptionParser.parse("--transport", "tls").port());
        assertEquals("/mqtt", OptionParser.parse("--transport", "ws").wsPath());
    }

    @Test
    void soakIsBoundedByMaxDurationOfOneHourByDefault() throws Exception {
        Options o = OptionParser.parse("--soak");
        assertTrue(o.soak());
        assertEquals(Duration.ofHours(1), o.publishLimit());
        assertEquals(Duration.ofMinutes(90), OptionParser.parse("--soak", "--max-duration", "90m").publishLimit());
    }

    @Test
    void kafkaVerificationDefaultsToTheApplicationsEventTopic() throws Exception {
        Options o = OptionParser.parse("--verify-kafka", "localhost:9092", "--app", "fleet");
        assertEquals(Optional.of(new Options.VerifyTarget.Kafka("localhost:9092", "events-fleet")), o.verify());
    }

    @Test
    void rateZeroHoldsConnectionsIdle() throws Exception {
        assertFalse(OptionParser.parse("--rate", "0").publishes());
    }

    @Test
    void badOptionsAreRefusedNamingTheOptionAndWhatItAccepts() {
        assertRefused("unknown option --speed", "--speed", "3");
        assertRefused("--qos: expected an integer from 0 to 1, got 2", "--qos", "2");
        assertRefused("--mqtt: expected 3 (3.1.1) or 5, got 4", "--mqtt", "4");
        assertRefused("--transport: expected one of tcp, tls, ws, wss, got 'udp'", "--transport", "udp");
        assertRefused("--duration: expected a duration such as 500ms, 30s, 5m or 1h, got '10'", "--duration", "10");
        assertRefused("--port needs a value", "--port");
        assertRefused("--devices given twice", "--devices", "1", "--devices", "2");
        assertRefused("--soak runs until Ctrl-C or --max-duration: drop --duration", "--soak", "--duration", "1s");
        assertRefused("--max-duration bounds --soak only; use --duration", "--max-duration", "1h");
        assertRefused("--ca applies to --transport tls or wss only", "--ca", "ca.pem");
        assertRefused("--payload 16 cannot hold the message id: at least 46 bytes with 10 devices", "--payload",
                "16");
        assertRefused("--no-auth sends no credentials: drop --registry-out, --registry-in and --password-prefix",
                "--no-auth", "--registry-out", "r.yaml");
        assertRefused("--verify-file and --verify-kafka exclude each other", "--verify-file", "e", "--verify-kafka",
                "k:9092");
        assertRefused("--topic: expected a drogue/v1 channel (one topic level, no wildcards), got 'a/b'", "--topic",
                "a/b");
        assertRefused("unexpected argument 'extra'; options start with --", "extra");
        assertRefused("--soak takes no value", "--soak=yes");
        assertRefused("--registry-only needs --registry-out", "--registry-only");
    }

    @Test
    void helpIsRecognisedAnywhere() {
        assertTrue(OptionParser.wantsHelp(new String[] {"--devices", "3", "--help"}));
        assertFalse(OptionParser.wantsHelp(new String[] {"--devices", "3"}));
    }

    private static void assertRefused(String message, String... args) {
        UsageException e = assertThrows(UsageException.class, () -> OptionParser.parse(args));
        assertEquals(message, e.getMessage());
    }
}
