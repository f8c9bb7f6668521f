package io.hatchway.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The API key a backend presents: {@code Authorization: Bearer <key-name>@<app>:<key>}, HTTP basic auth (user
 * {@code <key-name>@<app>}, password the key) or, for browsers, which cannot set headers on a WebSocket or an
 * EventSource, the query parameter {@code token=<key-name>@<app>:<key>} (URL-decoded). The header wins over the
 * query. A token is split at the first {@code :} after its first {@code @} (key names contain no {@code @}, so the
 * key itself may contain both).
 *
 * <p>A request carrying an {@code Origin} (made by a browser) may not use basic auth: browsers send remembered basic
 * credentials on their own, so any web page could otherwise open a WebSocket stream as the user (cross-site
 * WebSocket hijacking). A token in the URL is never sent on a page's behalf.
 */
final class ApiKeyCredentials {

    /** What the request presented. */
    sealed interface Presented {
    }

    /** @param login {@code <key-name>@<app>} */
    record Key(String login, byte[] key) implements Presented {
    }

    /** Nothing usable: why, for the 401 answer. */
    record Unusable(String message) implements Presented {
    }

    static final String HOW = "authenticate with 'Authorization: Bearer <key-name>@<app>:<key>', basic auth "
            + "(user '<key-name>@<app>', password the key) or the query parameter 'token=<key-name>@<app>:<key>'";

    private ApiKeyCredentials() {
    }

    static Presented of(HttpRequest request, QueryStringDecoder uri) {
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header != null) {
            if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return token(header.substring(7).trim());
            }
            if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
                if (request.headers().contains(HttpHeaderNames.ORIGIN)) {
                    return new Unusable("browsers may not use basic auth here (a page could use remembered "
                            + "credentials): use the query parameter 'token=<key-name>@<app>:<key>'");
                }
                return basic(header.substring(6).trim());
            }
            return new Unusable("unsupported Authorization scheme: " + HOW);
        }
        List<String> tokens = uri.parameters().get("token");
        if (tokens != null && !tokens.isEmpty()) {
            return token(tokens.get(0));
        }
        return new Unusable("no credentials: " + HOW);
    }

    private static Presented token(String token) {
        int at = token.indexOf('@');
        int colon = at < 0 ? -1 : token.indexOf(':', at);
        if (at <= 0 || colon < 0) {
            return new Unusable("malformed token, expected '<key-name>@<app>:<key>'");
        }
        return new Key(token.substring(0, colon), token.substring(colon + 1).getBytes(StandardCharsets.UTF_8));
    }

    private static Presented basic(String encoded) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return new Unusable("malformed basic credentials (not base64)");
        }
        // RFC 7617: the user-id cannot contain ':'.
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return new Unusable("malformed basic credentials, expected user '<key-name>@<app>' and the key");
        }
        return new Key(decoded.substring(0, colon), decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8));
    }
}
