# The units of this package, each with the config that turns it on ("UNIT=CONFIG"; a template
# unit takes an instance per config file, hallq-console@3 for /etc/hallq/console-3.env).
UNITS="@UNITS@"

# "UNIT" for each config present (instances of a template), one a line
configured_units() {
    for entry in $UNITS; do
        unit=${entry%%=*}
        for file in ${entry#*=}; do
            [ -e "$file" ] || continue
            case "$unit" in
                *@.*) name=$(basename "$file"); name=${name%.*}
                      echo "${unit%%@*}@${name##*-}.${unit##*.}" ;;
                *) echo "$unit" ;;
            esac
        done
    done
}
