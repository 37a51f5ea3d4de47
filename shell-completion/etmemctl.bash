# bash completion for etmemctl(1) and etmem            -*- shell-script -*-
# Verbs and options come from this file; project, engine and task names are asked from
# the running etmemd (`etmemctl show`), on the bus given by --address if any.

# Prints the names in column COL of the `etmemctl show` table whose header starts
# with HEADER (e.g. "PROJECT STATE"), limited to rows whose first columns match $3...
_etmemctl_names()
{
    local header=$1 col=$2
    shift 2
    "${_etmemctl_cmd[@]}" show 2>/dev/null | awk -v hdr="$header" -v col="$col" \
        -v p="${1-}" -v e="${2-}" '
        /^$/ { intable = 0; next }
        !intable { h = $1 " " $2 " " $3; intable = (index(h, hdr) == 1) ? 1 : -1; next }
        intable == 1 && (p == "" || $1 == p) && (e == "" || $2 == e) { print $col }'
}

_etmemctl()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local verbs="create-project remove-project add-engine remove-engine add-task remove-task
                 start stop show status apply delete command features advise help obj project engine"
    local globals="--address --json --verbose --no-ask-password --help --version"
    local -a _etmemctl_cmd=("${COMP_WORDS[0]}")
    local i verb="" vi=0 w

    # Find the verb (first word not an option or an option's argument) and --address.
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
            --address) _etmemctl_cmd+=(--address "${COMP_WORDS[i+1]}"); ((i++)); continue ;;
            --address=*) _etmemctl_cmd+=("$w"); continue ;;
            -*) continue ;;
        esac
        verb=$w vi=$i
        break
    done

    if [[ $prev == --address ]]; then
        COMPREPLY=()
        return
    fi
    if [[ -z $verb ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$globals" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
        fi
        return
    fi

    # Positional arguments after the verb, options skipped.
    local -a args=()
    for ((i = vi + 1; i < COMP_CWORD; i++)); do
        [[ ${COMP_WORDS[i]} == -* ]] || args+=("${COMP_WORDS[i]}")
    done
    local n=${#args[@]}

    case $prev in
        -f|--file)
            COMPREPLY=($(compgen -f -- "$cur"))
            compopt -o filenames 2>/dev/null
            return ;;
        --format)
            COMPREPLY=($(compgen -W "ini json auto" -- "$cur"))
            return ;;
        -n|--name|--proj_name)
            if [[ $verb == project || $verb == engine ]]; then
                COMPREPLY=($(compgen -W "$(_etmemctl_names 'PROJECT STATE' 1)" -- "$cur"))
                return
            fi ;;
    esac

    local words=""
    case $verb in
        help)
            [[ $n -eq 0 ]] && words=$verbs ;;
        remove-project|start|stop|show|status|add-engine|create-project)
            [[ $n -eq 0 && $verb != create-project ]] && words=$(_etmemctl_names 'PROJECT STATE' 1) ;;
        remove-engine|add-task|command)
            case $n in
                0) words=$(_etmemctl_names 'PROJECT STATE' 1) ;;
                1) words=$(_etmemctl_names 'PROJECT ENGINE TYPE' 2 "${args[0]}") ;;
            esac ;;
        remove-task)
            case $n in
                0) words=$(_etmemctl_names 'PROJECT STATE' 1) ;;
                1) words=$(_etmemctl_names 'PROJECT ENGINE TYPE' 2 "${args[0]}") ;;
                2) words=$(_etmemctl_names 'PROJECT ENGINE TASK' 3 "${args[0]}" "${args[1]}") ;;
            esac ;;
        apply|delete)
            words="-f --format" ;;
        obj)
            [[ $n -eq 0 ]] && words="add del" || words="-f" ;;
        project)
            [[ $n -eq 0 ]] && words="start stop show" || words="-n" ;;
    esac
    if [[ $verb == add-engine && $n -eq 1 ]]; then
        words="slide cslide psi numa thirdparty"
    fi
    if [[ $cur == -* ]]; then
        words="--help --json"
        case $verb in
            create-project) words+=" --loop --interval --sleep" ;;
            add-task) words+=" --pid --name" ;;
            command) words+=" -t --task" ;;
            apply|delete) words+=" -f --format" ;;
        esac
    fi
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _etmemctl etmemctl etmem
