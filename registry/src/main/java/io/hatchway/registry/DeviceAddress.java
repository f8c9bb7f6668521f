package io.hatchway.registry;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code device@application} string from an MQTT username or client ID, split at the last {@code @} (so the
 * device part may hold one), the device part percent-decoded as UTF-8 ({@code +} stays {@code +}).
 */
record DeviceAddress(String device, String application) {

    DeviceAddress {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(application, "application");
    }

    /** Empty when there is no {@code @} or the device part has an invalid escape or is not UTF-8. */
    static Optional<DeviceAddress> parse(String value) {
        int at = value.lastIndexOf('@');
        if (at < 0) {
            return Optional.empty();
        }
        return percentDecode(value.substring(0, at))
                .map(device -> new DeviceAddress(device, value.substring(at + 1)));
    }

    /**
     * Whether an MQTT username names {@code device}: either {@code device@application} (as {@link #parse}; the device
     * part its name or one of its aliases, the application its own) or, plainly, its name or one of its aliases.
     */
    static boolean names(String username, Device device) {
        if (knownAs(device, username)) {
            return true;
        }
        return parse(username)
                .filter(address -> address.application().equals(device.application()))
                .filter(address -> knownAs(device, address.device()))
                .isPresent();
    }

    private static boolean knownAs(Device device, String nameOrAlias) {
        return device.name().equals(nameOrAlias) || device.aliases().contains(nameOrAlias);
    }

    static Optional<String> percentDecode(String value) {
        if (value.indexOf('%') < 0) {
            return Optional.of(value);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(value.length());
        int i = 0;
        while (i < value.length()) {
            int escape = value.indexOf('%', i);
            if (escape < 0) {
                bytes.writeBytes(value.substring(i).getBytes(StandardCharsets.UTF_8));
                break;
            }
            bytes.writeBytes(value.substring(i, escape).getBytes(StandardCharsets.UTF_8));
            if (escape + 2 >= value.length()) {
                return Optional.empty();
            }
            int high = Character.digit(value.charAt(escape + 1), 16);
            int low = Character.digit(value.charAt(escape + 2), 16);
            if (high < 0 || low < 0) {
                return Optional.empty();
            }
            bytes.write(high << 4 | low);
            i = escape + 3;
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
