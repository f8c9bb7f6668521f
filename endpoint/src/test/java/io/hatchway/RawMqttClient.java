package io.hatchway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A plain socket speaking hand-made MQTT bytes, for protocol versions and refusals real clients won't produce. */
public final class RawMqttClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawMqttClient(int port) throws IOException {
        this(port, "127.0.0.1");
    }

    /** Connected to 127.0.0.1 from {@code localAddress} (another loopback address: another client host). */
    public RawMqttClient(int port, String localAddress) throws IOException {
        socket = new Socket(InetAddress.getByName("127.0.0.1"), port, InetAddress.getByName(localAddress), 0);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public RawMqttClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads exactly {@code n} bytes, failing if the server closes first. */
    public byte[] read(int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length < n) {
            throw new IOException("connection closed after " + bytes.length + " of " + n + " bytes");
        }
        return bytes;
    }

    /** Reads one whole MQTT packet (fixed header included). */
    public byte[] readPacket() throws IOException {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        int first = in.read();
        if (first < 0) {
            throw new IOException("connection closed");
        }
        packet.write(first);
        int length = 0;
        int multiplier = 1;
        int digit;
        do {
            digit = in.read();
            if (digit < 0) {
                throw new IOException("connection closed");
            }
            packet.write(digit);
            length += (digit & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((digit & 0x80) != 0);
        packet.write(read(length));
        return packet.toByteArray();
    }

    /** One packet, or null if none arrives within {@code millis}. */
    public byte[] readPacketWithin(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            return readPacket();
        } catch (SocketTimeoutException e) {
            return null;
        } finally {
            socket.setSoTimeout(10_000);
        }
    }

    /** True when the server closed the connection (end of stream) before {@code timeoutMillis}; unread data fails. */
    public boolean closedWithin(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        try {
            int b = in.read();
            if (b >= 0) {
                throw new IOException("expected the connection to close, but got byte 0x" + Integer.toHexString(b));
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("Connection reset")) {
                return true;
            }
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** A CONNECT packet with the given protocol name and level, clean session, keep-alive, and optional login. */
    public static byte[] connect(String protocol, int level, String clientId, String username, String password,
                                 int keepAlive) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, protocol);
        body.write(level);
        int flags = 0x02 | (username != null ? 0x80 : 0) | (password != null ? 0x40 : 0);
        body.write(flags);
        body.write(keepAlive >> 8);
        body.write(keepAlive & 0xFF);
        if (level == 5) {
            body.write(0); // no properties
        }
        writeString(body, clientId);
        if (username != null) {
            writeString(body, username);
        }
        if (password != null) {
            writeString(body, password);
        }
        return packet(0x10, body.toByteArray());
    }

    /** A PUBLISH (QoS 0 or 1) for MQTT 3.x. */
    public static byte[] publishV3(String topic, int qos, int packetId, byte[] payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, topic);
        if (qos > 0) {
            body.write(packetId >> 8);
            body.write(packetId & 0xFF);
        }
        body.writeBytes(payload);
        return packet(0x30 | (qos << 1), body.toByteArray());
    }

    public static byte[] packet(int header, byte[] body) {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(header);
        int length = body.length;
        do {
            int digit = length % 128;
            length /= 128;
            packet.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        packet.writeBytes(body);
        return packet.toByteArray();
    }

    /** An MQTT UTF-8 string: two bytes of length, then the bytes. */
    public static byte[] string(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeString(out, s);
        return out.toByteArray();
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xFF);
        out.writeBytes(bytes);
    }
}
