package io.hatchway.registry;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/** X.500 names of client certificates, as device aliases and device names. */
final class DistinguishedNames {

    private DistinguishedNames() {
    }

    /** The most specific (leftmost in RFC 2253) common name with a string value, if any. */
    static Optional<String> commonName(X500Principal name) {
        try {
            List<Rdn> rdns = new LdapName(name.getName(X500Principal.RFC2253)).getRdns();
            for (int i = rdns.size() - 1; i >= 0; i--) {
                Attribute cn = rdns.get(i).toAttributes().get("CN");
                if (cn != null && cn.get() instanceof String value) {
                    return Optional.of(value);
                }
            }
        } catch (NamingException e) {
            // X500Principal's RFC 2253 output always parses; nothing to report
        }
        return Optional.empty();
    }

    /**
     * The devices by each alias that reads as a distinguished name, compared as {@link X500Principal#equals} does
     * (case, spacing and attribute spelling do not matter). Where two aliases name the same principal, the first
     * device in registry order wins.
     */
    static Map<X500Principal, Device> aliasIndex(List<Device> devices) {
        Map<X500Principal, Device> index = new HashMap<>();
        for (Device device : devices) {
            for (String alias : device.aliases()) {
                if (alias.indexOf('=') < 0) {
                    continue;
                }
                try {
                    index.putIfAbsent(new X500Principal(alias), device);
                } catch (IllegalArgumentException e) {
                    // not a distinguished name: an alias for other purposes
                }
            }
        }
        return Map.copyOf(index);
    }
}
